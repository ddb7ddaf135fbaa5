// `nest-sessions/health`: a `@nestjs/terminus` health indicator for any session store.
// Needs the optional peer `@nestjs/terminus`.

export { SessionStoreHealthIndicator } from './session-store-health.indicator.js';
