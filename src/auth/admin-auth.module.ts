import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { OperatorEntity } from '../operators/operator.entity.js';
import { LoginFailuresRepository } from '../operators/login-failures.repository.js';
import { OperatorsAdminController } from '../operators/operators-admin.controller.js';
import { OperatorsAdminService } from '../operators/operators-admin.service.js';
import { OperatorsService } from '../operators/operators.service.js';
import { AdminAuthController } from './admin-auth.controller.js';
import { NonceService } from './nonce.service.js';
import { OperatorAuthGuard } from './operator-auth.guard.js';
import { OperatorJwtStrategy } from './operator-jwt.strategy.js';
import { OperatorSessionService } from './operator-session.service.js';

/** Operators, their authentication and their management; global so every admin controller can use OperatorAuthGuard. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OperatorEntity]), JwtModule.register({}), AuditModule],
  controllers: [AdminAuthController, OperatorsAdminController],
  providers: [OperatorsService, OperatorsAdminService, LoginFailuresRepository, OperatorSessionService, OperatorJwtStrategy, OperatorAuthGuard, NonceService],
  exports: [OperatorsService, OperatorJwtStrategy, OperatorAuthGuard, NonceService],
})
export class AdminAuthModule {}
