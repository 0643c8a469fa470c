import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { CaptchaService } from '../../captcha/captcha.service.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { challengeSecretAad, type ChallengeSettings, type TokenProvider } from './challenge-provider.js';
import { ChallengesRepository } from './challenges.repository.js';
import { SiteverifyClient } from './siteverify.client.js';

/** What a request offers as proof of a person: an image captcha's id and answer, or a vendor token. */
export interface ChallengeResponse {
  id?: string;
  answer?: string;
  token?: string;
}

export interface ChallengeDemand {
  appId: string;
  response: ChallengeResponse | undefined;
  /** The end user's IP as resolved under TRUST_PROXY; null when unknown. */
  ip: string | null;
  /** The route's contract names the image captcha (seed 004): the app's provider does not apply. */
  imageOnly?: boolean;
}

/**
 * The challenge a send demands, met or refused: the app's provider decides which
 * proof counts. A wrong proof is CAPTCHA_WRONG (the image captcha's own answer for
 * a wrong guess), a missing one CAPTCHA_REQUIRED, a vendor that cannot give a
 * verdict CAPTCHA_UNAVAILABLE. Nothing here sends or counts anything.
 */
@Injectable()
export class ChallengeService {
  constructor(
    private readonly repo: ChallengesRepository,
    private readonly captchas: CaptchaService,
    private readonly siteverify: SiteverifyClient,
    private readonly box: SecretBox,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('ChallengeService');
  }

  /** Resolves when the request proves a person by the app's challenge; throws a CAPTCHA_* DomainError otherwise. */
  async demand(d: ChallengeDemand): Promise<void> {
    const settings = d.imageOnly ? null : await this.repo.find(d.appId);
    if (!settings || settings.provider === 'image') return this.captchas.consume(d.appId, d.response?.id, d.response?.answer);
    await this.verifyToken(d.appId, settings.provider, settings, d.response?.token, d.ip);
  }

  private async verifyToken(appId: string, provider: TokenProvider, s: ChallengeSettings, token: string | undefined, ip: string | null): Promise<void> {
    if (!token) throw new DomainError('CAPTCHA_REQUIRED', { message: 'a captcha token is required' });
    const secret = this.box.decrypt(s.secretEnc!, challengeSecretAad(appId));
    const answer = await this.siteverify.verify(provider, { secret, token, remoteIp: ip, siteKey: s.siteKey });
    const refusal = !answer.success
      ? `vendor: ${answer.errorCodes.join(', ') || 'no error code'}`
      : s.hostname !== null && answer.hostname !== s.hostname
        ? 'hostname differs'
        : s.action !== null && answer.action !== s.action
          ? 'action differs'
          : s.minScore !== null && (answer.score === null || answer.score < s.minScore)
            ? `score ${answer.score ?? 'absent'} below ${s.minScore}`
            : null;
    if (refusal) {
      this.logger.info({ appId, provider, reason: refusal.slice(0, 200) }, 'captcha token refused');
      throw new DomainError('CAPTCHA_WRONG', { message: 'the captcha token was refused' });
    }
  }
}
