import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { UsersModule } from '../users/users.module.js';
import { BareTokenUserAuthGuard } from './bare-token-user-auth.guard.js';
import { Md5SignatureGuard } from './md5-signature.guard.js';
import { UserAuthGuard } from './user-auth.guard.js';
import { UserJwtStrategy } from './user-jwt.strategy.js';

/** Authentication of the public API: seed 001 request signatures and end-user tokens. */
@Module({
  imports: [AppsModule, UsersModule],
  providers: [Md5SignatureGuard, UserJwtStrategy, UserAuthGuard, BareTokenUserAuthGuard],
  exports: [Md5SignatureGuard, UserJwtStrategy, UserAuthGuard, BareTokenUserAuthGuard, AppsModule, UsersModule],
})
export class EndUserAuthModule {}
