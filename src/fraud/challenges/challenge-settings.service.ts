import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppsService } from '../../apps/apps.service.js';
import { type Actor } from '../../audit/actor.js';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock/clock.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { challengeSecretAad, IMAGE_CHALLENGE, maskSecret, SCORED_PROVIDERS, type ChallengeProvider, type ChallengeSettings, type TokenProvider } from './challenge-provider.js';
import { challengeView, type ChallengeView } from './challenge.view.js';
import { ChallengesRepository } from './challenges.repository.js';

export interface ChallengeChange {
  provider: ChallengeProvider;
  site_key?: string | null;
  secret?: string;
  min_score?: number | null;
  hostname?: string | null;
  action?: string | null;
}

/** Apps' challenge settings as operators manage them: read (secret masked) and replace (audited, secret sealed). */
@Injectable()
export class ChallengeSettingsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: ChallengesRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** The app's settings; the image captcha for an app that never chose. APP_NOT_FOUND for an unknown app. */
  async get(appId: string): Promise<ChallengeView> {
    await this.apps.get(appId);
    return this.view(appId, (await this.repo.find(appId)) ?? IMAGE_CHALLENGE);
  }

  /**
   * Replaces the app's settings. A vendor needs its secret, given now or kept from
   * before for the same vendor (another vendor's secret never fits); the image
   * captcha takes no vendor field. VALIDATION_FAILED names the field at fault,
   * APP_NOT_FOUND an unknown app.
   */
  async put(actor: Actor, appId: string, dto: ChallengeChange): Promise<ChallengeView> {
    await this.apps.get(appId);
    const current = await this.repo.find(appId);
    const next = { ...this.settingsOf(appId, dto, current), updatedAt: this.clock.now() };
    await this.ds
      .transaction(async (m) => {
        await this.repo.save(m, appId, next);
        await this.audit.record(m, actor, {
          action: 'app.challenge',
          targetType: 'app',
          targetId: appId,
          details: { provider: next.provider, site_key: next.siteKey, secret_changed: dto.secret !== undefined, min_score: next.minScore, hostname: next.hostname, action: next.action },
        });
      })
      .catch((err: { code?: string }) => {
        // The app was deleted since it was read: its foreign key refused the row.
        throw err?.code === '23503' ? new DomainError('APP_NOT_FOUND') : err;
      });
    return this.view(appId, next);
  }

  private settingsOf(appId: string, dto: ChallengeChange, current: ChallengeSettings | null): ChallengeSettings {
    const given = { site_key: dto.site_key ?? null, min_score: dto.min_score ?? null, hostname: dto.hostname ?? null, action: dto.action ?? null };
    if (dto.provider === 'image') {
      const stray = dto.secret !== undefined ? 'secret' : Object.entries(given).find(([, v]) => v !== null)?.[0];
      if (stray) throw invalid(stray, `${stray} applies to turnstile, hcaptcha and recaptcha only`);
      return IMAGE_CHALLENGE;
    }
    const provider: TokenProvider = dto.provider;
    if (given.min_score !== null && !SCORED_PROVIDERS.includes(provider)) throw invalid('min_score', `min_score applies to ${SCORED_PROVIDERS.join(' and ')} only`);
    const kept = current?.provider === provider ? current.secretEnc : null;
    const secretEnc = dto.secret !== undefined ? this.box.encrypt(dto.secret, challengeSecretAad(appId)) : kept;
    if (!secretEnc) throw invalid('secret', `secret is required to choose ${provider}`);
    return { provider, siteKey: given.site_key, secretEnc, minScore: given.min_score, hostname: given.hostname, action: given.action, updatedAt: null };
  }

  private view(appId: string, s: ChallengeSettings): ChallengeView {
    return challengeView(s, s.secretEnc ? maskSecret(this.box.decrypt(s.secretEnc, challengeSecretAad(appId))) : null);
  }
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', { field, message });
}
