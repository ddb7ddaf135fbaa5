import { SERVICES } from './global-setup.js';

export { SERVICES, canConnect, type TestService } from './global-setup.js';

/** Name of a service in {@link SERVICES}. */
export type ServiceName = keyof typeof SERVICES;

/** Whether globalSetup found the service reachable. */
export function serviceAvailable(name: ServiceName): boolean {
  return process.env[SERVICES[name].flag] === '1';
}
