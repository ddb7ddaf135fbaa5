// `nest-sessions/testing`: the store contract suite, for authors of third-party stores.
// Runs under Jest (needs the optional peer `@jest/globals`).

export { describeSessionStoreContract, type StoreFixture } from './session-store.contract.js';
