import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Actor } from '../audit/actor.js';
import { Clock } from '../common/clock/clock.js';
import { randomString, safeEqual, sha256Hex } from '../common/crypto/hashing.js';
import { storableText } from '../common/text/storable-text.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EventPublisher } from '../events/event-publisher.js';
import { Metrics } from '../metrics/metrics.js';
import { ALIYUN_RECEIPT_ACK, e164Candidates, parseAliyunReports } from './providers/aliyun/aliyun-receipts.js';
import { parseTencentReports, TENCENT_RECEIPT_ACK } from './providers/tencent/tencent-receipts.js';
import { parseTwilioStatusCallback, twilioCallbackParams, twilioCallbackUrl, twilioDeliveryOutcome, twilioSignatureValid } from './providers/twilio/twilio-receipts.js';
import { SmsAccountCache } from './sms-account-cache.js';
import { SmsConnections } from './sms-connections.js';
import { type SmsAccountEntity, type SmsProviderName } from './sms-account.entity.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { type DeliveryOutcome, type RecordedDelivery, SmsRepository } from './sms.repository.js';

/** A pushed report as the parsers of both providers find it: the message's id, the numbers it may be, its outcome. */
type PushedReport = Pick<DeliveryOutcome, 'bizId' | 'phones' | 'code'> & { success: boolean; reportedAt: Date | null };

/** The providers that push status reports to a receipt token's URL: neither signs them (Twilio does, and needs none). */
const PUSHING: ReadonlySet<SmsProviderName> = new Set(['aliyun', 'tencent']);

/** Where an account's status reports are pushed; the token is the account's secret. */
export function receiptPath(provider: SmsProviderName, accountId: string, token: string): string {
  return `/sms/receipts/${provider}/${accountId}/${token}`;
}

/**
 * Delivery outcomes as providers report them: Aliyun's SmsReport pushes and
 * Tencent's status-report callbacks, which neither signs, so each account has a
 * receipt token of its own in the URL it pushes to (random, stored as its
 * SHA-256, shown once when issued). A push changes nothing unless its account (of
 * that provider) and token match; a report changes a row only when its provider
 * message id and number match a pending row of that account. Twilio's status
 * callbacks are signed with the account's Auth Token instead, and need no token.
 */
@Injectable()
export class SmsReceiptsService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly changes: SmsConfigChanges,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly events: EventPublisher,
    private readonly connections: SmsConnections,
    private readonly accounts: SmsAccountCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /**
   * Issues the account's receipt token, replacing any earlier one (which stops
   * working at once), and answers it with the push URL's path: shown this once.
   * SMS_ACCOUNT_NOT_FOUND for an unknown account; VALIDATION_FAILED for an account
   * of a provider that pushes no reports.
   */
  async issueToken(actor: Actor, accountId: string) {
    const token = randomString(32);
    const saved = await this.changes.mutate(actor, 'sms_account.receipt_token', (m) => this.repo.getAccount(accountId, m, true), (a) => {
      if (a.provider === 'twilio') throw new DomainError('VALIDATION_FAILED', { message: 'twilio accounts need no receipt token: Twilio signs its status callbacks (see PUBLIC_URL)' });
      if (!PUSHING.has(a.provider)) throw new DomainError('VALIDATION_FAILED', { message: `${a.provider} accounts take no status reports` });
      a.receiptTokenHash = sha256Hex(token);
      return { receipt_token: 'issued' };
    });
    return { account_id: saved.id, token, receipt_path: receiptPath(saved.provider, saved.id, token) };
  }

  /**
   * One SmsReport batch push for an account: authenticated by the account's token
   * (UNAUTHORIZED, whatever is wrong: no such account, no token issued, another
   * token), then bounded (VALIDATION_FAILED), then recorded. Answers Aliyun's
   * acknowledgement; reports that match no pending row are acknowledged and dropped
   * (a repeat, another account's message, or one the poller already settled).
   */
  async acceptAliyun(accountId: string, token: string, body: unknown): Promise<typeof ALIYUN_RECEIPT_ACK> {
    await this.acceptPush('aliyun', accountId, token, () =>
      parseAliyunReports(body).map((r) => ({ bizId: r.bizId, phones: e164Candidates(r.phone), success: r.success, code: r.code, reportedAt: r.reportedAt })),
    );
    return ALIYUN_RECEIPT_ACK;
  }

  /** One of Tencent's status-report callbacks for an account: as {@link acceptAliyun}, with Tencent's report and answer. */
  async acceptTencent(accountId: string, token: string, body: unknown): Promise<typeof TENCENT_RECEIPT_ACK> {
    await this.acceptPush('tencent', accountId, token, () =>
      parseTencentReports(body).map((r) => ({ bizId: r.serialNo, phones: [r.phone], success: r.success, code: r.code, reportedAt: r.reportedAt })),
    );
    return TENCENT_RECEIPT_ACK;
  }

  /**
   * One of Twilio's status callbacks for an account's Message: a form, signed with
   * the account's Auth Token over the URL Passcode gave Twilio (PUBLIC_URL's) and
   * the fields (UNAUTHORIZED, whatever is wrong: no PUBLIC_URL, no such Twilio
   * account, no token, another signature), then checked (VALIDATION_FAILED). A
   * status that ends the Message (delivered, read; undelivered, failed, canceled)
   * lands on its pending row as a poll's would; one on its way (queued, sent, …)
   * changes nothing. Twilio reads nothing of the answer.
   */
  async acceptTwilio(accountId: string, signature: string | undefined, body: unknown): Promise<void> {
    const params = twilioCallbackParams(body);
    const { publicUrl } = this.config.http;
    const account = publicUrl ? await this.accounts.account(accountId) : null;
    const authToken = account?.provider === 'twilio' ? this.authTokenOf(account) : undefined;
    if (!authToken || !signature || !twilioSignatureValid(authToken, signature, twilioCallbackUrl(publicUrl!, accountId), params)) {
      throw new DomainError('UNAUTHORIZED', { message: 'no Twilio account signed this status callback' });
    }
    const report = parseTwilioStatusCallback(params);
    const status = twilioDeliveryOutcome(report.status);
    if (!status) return;
    await this.record(account!.id, [
      { bizId: report.messageSid, phones: [report.phone], status, code: report.errorCode ?? report.status, reportedAt: this.clock.now() },
    ]);
  }

  /** A Twilio account's Auth Token; none when it has none or its credentials do not decrypt. */
  private authTokenOf(account: SmsAccountEntity): string | undefined {
    try {
      return this.connections.get(account).credentials?.auth_token;
    } catch {
      return undefined;
    }
  }

  /**
   * A push for the `provider` account `accountId`: authenticated by its receipt
   * token (UNAUTHORIZED, whatever is wrong), then `reports()` (which bound and check
   * the body), then recorded.
   */
  private async acceptPush(provider: SmsProviderName, accountId: string, token: string, reports: () => PushedReport[]): Promise<void> {
    const account = await this.accounts.account(accountId);
    const hash = account?.provider === provider ? account.receiptTokenHash : null;
    if (!safeEqual(sha256Hex(token), hash ?? '')) {
      throw new DomainError('UNAUTHORIZED', { message: 'no account takes status reports at this URL' });
    }
    const now = this.clock.now();
    const outcomes = reports().map(({ bizId, phones, success, code, reportedAt }): DeliveryOutcome => ({
      bizId, phones, status: success ? 'delivered' : 'failed', code, reportedAt: reportTime(reportedAt, now),
    }));
    await this.record(account!.id, outcomes);
  }

  /**
   * Records outcomes of an account's messages (pushed or polled) on their pending
   * rows and, in the same transaction, the `sms.delivered` / `sms.failed` event of
   * each row that changed; then counts them. Answers how many rows changed. The
   * carrier's code is a remote end's text, pushed or polled alike: it is kept made
   * fit to store and show (storableText; a NUL in it failed every outcome recorded
   * with it, and control and bidirectional characters reached the admin view raw).
   */
  async record(accountId: string, outcomes: readonly DeliveryOutcome[]): Promise<number> {
    const fit = outcomes.map((o) => ({ ...o, code: storableText(o.code, 64)?.trim() || null }));
    const landed = await this.ds.transaction(async (m) => {
      const rows = await this.repo.recordDeliveries(m, accountId, fit);
      for (const d of rows) {
        await this.events.publish(m, d.appId, d.status === 'delivered' ? 'sms.delivered' : 'sms.failed', {
          message_id: d.id,
          scene: d.scene,
          phone: d.phone,
          delivery_code: d.code,
          reported_at: d.reportedAt.toISOString(),
        });
      }
      return rows;
    });
    this.count(landed);
    return landed.length;
  }

  /** Counts outcomes that landed on their rows now, with the time to delivery. */
  private count(recorded: readonly RecordedDelivery[]): void {
    for (const d of recorded) this.metrics.smsDelivered(d.accountId, d.status, (d.reportedAt.getTime() - d.createdAt.getTime()) / 1000);
  }
}

/** A provider's report time, or now when it has none or one in the future (a clock we cannot trust). */
export function reportTime(reported: Date | null, now: Date): Date {
  return reported && reported.getTime() <= now.getTime() ? reported : now;
}
