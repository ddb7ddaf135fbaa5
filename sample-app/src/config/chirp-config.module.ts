import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ChirpConfig } from './chirp-config.js';

/** DI token of the {@link ChirpConfig} the app was started with. */
export const CHIRP_CONFIG = Symbol('chirp:config');

/** Makes the parsed {@link ChirpConfig} injectable everywhere as `@Inject(CHIRP_CONFIG)`. */
@Global()
@Module({})
export class ChirpConfigModule {
  /** Provides `config` under {@link CHIRP_CONFIG}. */
  static forRoot(config: ChirpConfig): DynamicModule {
    return {
      module: ChirpConfigModule,
      providers: [{ provide: CHIRP_CONFIG, useValue: config }],
      exports: [CHIRP_CONFIG],
    };
  }
}
