// `nest-sessions/passport`: the Passport integration. Needs the optional peers
// `@nestjs/passport` and `passport`, which the main entry point never loads.

export { BearerSessionStrategy, type BearerSessionVerify } from './bearer-session.strategy.js';
export { SessionPassportStrategy, SESSION_PASSPORT_STRATEGY } from './session-passport.strategy.js';
