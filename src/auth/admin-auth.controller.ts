import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminLoginDto } from './admin-login.dto.js';
import { OperatorSessionService } from './operator-session.service.js';
import { ClientIp } from '../common/http/client-ip.js';

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
  login(@Body() dto: AdminLoginDto, @ClientIp() ip: string) {
    return this.sessions.login(dto.username, dto.password, ip);
  }
}
