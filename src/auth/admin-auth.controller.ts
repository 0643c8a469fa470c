import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminLoginDto } from './admin-login.dto.js';
import { OperatorSessionService } from './operator-session.service.js';

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
  login(@Body() dto: AdminLoginDto, @Ip() ip: string) {
    return this.sessions.login(dto.username, dto.password, ip);
  }
}
