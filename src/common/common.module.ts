import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Clock, SystemClock } from './clock/clock.js';
import { SecretBox } from './crypto/secret-box.js';

/** Process-wide primitives: the secret box keyed by ENCRYPTION_KEY and the clock. */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new SecretBox(config.secrets.encryptionKey) },
    { provide: Clock, useClass: SystemClock },
  ],
  exports: [SecretBox, Clock],
})
export class CommonModule {}
