import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OperatorEntity } from '../operators/operator.entity.js';
import { OperatorsService } from '../operators/operators.service.js';
import { AdminAuthController } from './admin-auth.controller.js';
import { OperatorJwtStrategy } from './operator-jwt.strategy.js';
import { OperatorSessionService } from './operator-session.service.js';

/** Operators and their authentication for the admin API. */
@Module({
  imports: [TypeOrmModule.forFeature([OperatorEntity]), PassportModule, JwtModule.register({})],
  controllers: [AdminAuthController],
  providers: [OperatorsService, OperatorSessionService, OperatorJwtStrategy],
  exports: [OperatorsService],
})
export class AdminAuthModule {}
