import { Injectable } from '@nestjs/common';
import { type AppEntity } from '../apps/app.entity.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type ParsedPhone } from '../common/phone/phone.js';
import { type Scene } from '../common/scenes.js';
import { type IssueResult, VerificationService } from '../verification/verification.service.js';
import { assertCurrentPhone } from './user.js';
import { UsersService } from './users.service.js';

/**
 * Who may ask for a code of each scene when an end user asks (a tenant's signed
 * request is trusted with any number): anyone; the logged-in user, for the number
 * they are moving to; or the logged-in user, for the number the account has now.
 */
type Asker = 'anyone' | 'user' | 'user_own_number';

const ASKER: Record<Scene, Asker> = {
  login: 'anyone',
  register: 'anyone',
  reset_password: 'anyone',
  bind_push: 'anyone',
  update_phone: 'user',
  verify_old_phone: 'user_own_number',
  deregister: 'user_own_number',
};

/** Whether a code of `scene` goes only to a logged-in user (a token is needed to ask for it). */
export function asksUser(scene: Scene): boolean {
  return ASKER[scene] !== 'anyone';
}

export interface AccountCodeRequest {
  app: AppEntity;
  /** The logged-in user who asks; null when the request carries no token. */
  userId: string | null;
  scene: Scene;
  /** The number to send to; a malformed one names the role `mcode` or `mobile`. */
  phone: ParsedPhone;
  ip: string | null;
  origin: string;
  /** The token of the app's captcha vendor, when the request carries one. */
  captchaToken?: string;
}

/**
 * Codes that end users ask for themselves (Authing's send-sms): a code about an
 * account needs its logged-in user, and one that proves the account's number goes
 * only to the number it has now.
 */
@Injectable()
export class AccountCodeService {
  constructor(
    private readonly users: UsersService,
    private readonly verification: VerificationService,
  ) {}

  /**
   * Sends a code of the scene. UNAUTHORIZED when the scene is about an account and
   * no user asks; USER_NOT_FOUND when that user is gone; VALIDATION_FAILED naming
   * the role `mobile` when a `verify_old_phone` or `deregister` code is asked for
   * another number than the user's; then whatever sending answers.
   */
  async send(req: AccountCodeRequest): Promise<IssueResult> {
    const asker = ASKER[req.scene];
    if (asker !== 'anyone') {
      if (!req.userId) throw new DomainError('UNAUTHORIZED');
      const user = await this.users.get(req.userId);
      if (asker === 'user_own_number') assertCurrentPhone(user, req.phone, 'mobile');
    }
    return this.verification.issue({ app: req.app, scene: req.scene, phone: req.phone, ip: req.ip, origin: req.origin, captcha: { token: req.captchaToken } });
  }
}
