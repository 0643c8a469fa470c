import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminLoginDto } from './admin-login.dto.js';
import { OperatorSessionService } from './operator-session.service.js';
import { ClientIp } from '../common/http/client-ip.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { OperatorTokenData } from './admin-login-responses.dto.js';

@ApiTags('admin')
@Controller('admin')
export class AdminAuthController {
  constructor(private readonly sessions: OperatorSessionService) {}

  /**
   * Exchanges operator credentials for a bearer token. Throttled per client IP
   * (ADMIN_LOGIN_PER_MINUTE, see app.module.ts) on top of the lockout per
   * username and client IP.
   */
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Operator login', description: 'Exchanges an operator\'s username and password for a bearer token. Failures are counted per username and client IP: after ADMIN_MAX_FAILED_LOGINS in a row that pair is locked (LOGIN_LOCKED) for ADMIN_LOCK_S seconds, doubling with each lock; ADMIN_LOGIN_PER_MINUTE caps each IP\'s attempts.' })
  @ApiData(OperatorTokenData)
  @ApiErrors('INVALID_CREDENTIALS', 'LOGIN_LOCKED')
  login(@Body() dto: AdminLoginDto, @ClientIp() ip: string) {
    return this.sessions.login(dto.username, dto.password, ip);
  }
}
