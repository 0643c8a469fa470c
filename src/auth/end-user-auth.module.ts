import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { UsersModule } from '../users/users.module.js';
import { BareTokenUserAuthGuard } from './bare-token-user-auth.guard.js';
import { Md5SignatureGuard } from './md5-signature.guard.js';
import { NonceService } from './nonce.service.js';
import { Sha256SignatureGuard } from './sha256-signature.guard.js';
import { UserAuthGuard } from './user-auth.guard.js';
import { UserJwtStrategy } from './user-jwt.strategy.js';

/** Authentication of the public API: seed 001 and seed 003 request signatures (with seed 003's nonces) and end-user tokens. */
@Module({
  imports: [AppsModule, UsersModule],
  providers: [Md5SignatureGuard, Sha256SignatureGuard, NonceService, UserJwtStrategy, UserAuthGuard, BareTokenUserAuthGuard],
  exports: [Md5SignatureGuard, Sha256SignatureGuard, NonceService, UserJwtStrategy, UserAuthGuard, BareTokenUserAuthGuard, AppsModule, UsersModule],
})
export class EndUserAuthModule {}
