import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AppsService } from '../../apps/apps.service.js';
import { NonceService } from '../../auth/nonce.service.js';
import { Clock } from '../../common/clock/clock.js';
import { safeEqual, sha256Hex } from '../../common/crypto/hashing.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { type Scene } from '../../common/scenes.js';
import { VerificationService } from '../../verification/verification.service.js';
import { EnduserSendCodeDto } from './enduser.dto.js';
import { lenientCallingCode, parsePhoneInput } from '../../common/phone/phone.js';
import { ClientIp } from '../../common/http/client-ip.js';

/** Seed 003's window for `ts` either side of the clock; a `random` stays spent until its `ts` plus this. */
const WINDOW_MS = 10 * 60_000;

/** Seed 003's codeType → scene (DESIGN §5). */
const SCENE_BY_CODE_TYPE: Record<string, Scene> = { '1': 'reset_password', '2': 'login', '3': 'register', '4': 'deregister', '5': 'bind_push' };

/** Seed 003: a signed, single-use request sends a code of the codeType's scene. */
@ApiTags('enduser')
@Controller('v2/sms/enduserapi/v2')
export class EnduserSmsController {
  constructor(
    private readonly apps: AppsService,
    private readonly nonces: NonceService,
    private readonly verification: VerificationService,
    private readonly clock: Clock,
  ) {}

  @Post('sendPhoneSmsCode')
  @HttpCode(200)
  async sendPhoneSmsCode(@Query() dto: EnduserSendCodeDto, @ClientIp() ip: string): Promise<Record<string, never>> {
    const app = await this.apps.getEnabledByAppkey(dto.userDomain);
    if (Math.abs(Number(dto.ts) - this.clock.nowMs()) > WINDOW_MS) throw new DomainError('SIGN_TIMESTAMP_EXPIRED');
    const signed = dto.phone + dto.codeType + dto.random + dto.ts;
    // Every active secret is compared, so the answer time does not tell which one matched.
    let ok = false;
    for (const secret of this.apps.activeSecrets(app)) ok = safeEqual(sha256Hex(signed + secret), dto.signature.toLowerCase()) || ok;
    if (!ok) throw new DomainError('SIGN_INVALID');
    const phone = parsePhoneInput(lenientCallingCode(dto.internationalCode), dto.phone, { mcode: 'internationalCode', mobile: 'phone' });
    // Claimed only once the signature holds (garbage cannot burn nonces) and before sending; kept
    // until the request's own ts leaves the window, however far ahead of the clock that ts is.
    if (!(await this.nonces.claim(app.id, dto.random, new Date(Number(dto.ts) + WINDOW_MS)))) throw new DomainError('SIGN_NONCE_REPLAYED');
    await this.verification.issue({ app, scene: SCENE_BY_CODE_TYPE[dto.codeType], phone, ip, origin: 'enduser' });
    return {};
  }
}
