import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type AppEntity } from '../apps/app.entity.js';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { parsePhoneField } from '../common/phone/phone.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EventPublisher } from '../events/event-publisher.js';
import { type ErasureDto } from './erasure.dto.js';
import { ERASED_NUMBER, PhonePseudonyms } from './phone-pseudonyms.js';
import { type ErasedCounts, RetentionRepository } from './retention.repository.js';

/**
 * Erasing a number: an operator's request for one person's number (GDPR art. 17,
 * PIPL art. 47), and what a deregistration forgets.
 */
@Injectable()
export class ErasureService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: RetentionRepository,
    private readonly apps: AppsService,
    private readonly pseudonyms: PhonePseudonyms,
    private readonly audit: AuditService,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Erases the number in one app or every app, in one transaction with its audit
   * entry: its rows lose it for good (`erased`, not a hash, so not even the key
   * finds them again), its rows hashed earlier (by the purge, a deregistration)
   * included, and so do the providers' messages and receivers' answers in them;
   * its codes lose their hashes and IPs, its users their device ids and
   * registration IP, their sessions their device ids; an active user with it is
   * deregistered (sessions revoked, `user.deregistered` published). Open limits
   * keep it until their window passes. APP_NOT_FOUND for an unknown `app_id`. The
   * audit entry records a keyed fingerprint of the number, never the number.
   */
  async erase(actor: Actor, dto: ErasureDto) {
    const appIds = dto.app_id ? [(await this.apps.get(dto.app_id)).id] : (await this.apps.retentionPolicies()).map((p) => p.id);
    const phone = storedForm(dto.phone);
    const fingerprint = this.pseudonyms.fingerprint(phone);
    const erased = await this.ds.transaction(async (m) => {
      const now = this.clock.now();
      const total = emptyCounts();
      for (const appId of appIds) {
        // As given too, when that differs: a number stored before the parser read it as now does.
        const given = [...new Set([phone, dto.phone])];
        const numbers = given.flatMap((n) => [n, this.pseudonyms.of(appId, n)]);
        // Before its users' rows, which the erasure cancels: the order a login or a send takes them.
        await this.repo.lockNumber(m, appId, numbers);
        const { counts, cancelledUserIds } = await this.repo.eraseNumber(m, {
          appId,
          e164: phone,
          numbers,
          replacement: ERASED_NUMBER,
          now,
          erasure: true,
          payloadsSince: null,
        });
        for (const userId of cancelledUserIds) await this.events.publish(m, appId, 'user.deregistered', { user_id: userId });
        for (const key of Object.keys(total) as Array<keyof ErasedCounts>) total[key] += counts[key];
      }
      await this.audit.record(m, actor, {
        action: 'phone.erase',
        targetType: 'phone',
        targetId: fingerprint,
        details: { app_id: dto.app_id ?? null, apps: appIds.length, erased: total },
      });
      return total;
    });
    return { fingerprint, apps: appIds.length, erased };
  }

  /**
   * Locks the app's rows of the number that a login, a send or a phone change
   * locks before the user's row (RetentionRepository.lockNumber): a deregistration
   * calls it in its transaction before it takes its user's row, then
   * {@link forgetDeregistered}, so that it takes the rows in the order those
   * requests do and waits for them instead of deadlocking with them.
   */
  async lockNumber(m: EntityManager, appId: string, phoneE164: string): Promise<void> {
    await this.repo.lockNumber(m, appId, [phoneE164]);
  }

  /**
   * What a deregistration forgets, in its transaction: the number of the app's
   * deregistered users, send log, codes, tokens and webhook payloads becomes its
   * keyed hash (Passcode, holding the key, can still recognise the number when it
   * returns or is to be erased, but no row shows it, nor a provider's message or
   * a receiver's answer in it); open limits keep it until they end. The caller
   * locked the number ({@link lockNumber}) before it took the user's row.
   */
  async forgetDeregistered(m: EntityManager, app: Pick<AppEntity, 'id' | 'retention'>, phoneE164: string): Promise<void> {
    const now = this.clock.now();
    // Payloads are found by a scan of the app's deliveries: in a user's request, only those the purge may not have hashed yet (a window and a run's interval).
    const unhashedSince = new Date(now.getTime() - app.retention.send_log_hash_days * DAY_MS - this.config.retention.purgeIntervalS * 1000 - DAY_MS);
    await this.repo.eraseNumber(m, {
      appId: app.id,
      e164: phoneE164,
      numbers: [phoneE164],
      replacement: this.pseudonyms.of(app.id, phoneE164),
      now,
      erasure: false,
      payloadsSince: unhashedSince,
    });
  }
}

const DAY_MS = 86_400_000;

function emptyCounts(): ErasedCounts {
  return { users: 0, sms_messages: 0, verification_codes: 0, update_phone_tokens: 0, webhook_deliveries: 0, expired_limits: 0, open_limits_kept: 0 };
}

/**
 * The number as sends store it: an E.164 number written with a trunk prefix
 * (`+4407911123456`) is stored `+447911123456`, and an erasure of the former
 * matched nothing while it answered success. One the parser no longer takes
 * (its metadata changed since the send) is erased as given.
 */
function storedForm(e164: string): string {
  try {
    return parsePhoneField(e164).e164;
  } catch {
    return e164;
  }
}
