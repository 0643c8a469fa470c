import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isUniqueViolation } from '../database/sql-rows.js';
import { type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigTransaction } from './sms-config-transaction.js';
import { SmsSignatureEntity } from './sms-signature.entity.js';
import { CreateSmsSignatureDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsSignatureView } from './sms.views.js';

/** A sign name is once per account (migration SmsDelivery). */
const SIGN_NAME_UNIQUE = 'uq_sms_signatures_account_sign_name';

/** An account's signatures as operators manage them; every change is audited. */
@Injectable()
export class SmsSignaturesService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly tx: SmsConfigTransaction,
  ) {}

  /**
   * Adds a sign name to the account. SMS_ACCOUNT_NOT_FOUND for an unknown account;
   * VALIDATION_FAILED on `sign_name` when the account has it already (the unique
   * constraint decides, so concurrent creations cannot both pass).
   */
  async create(actor: Actor, accountId: string, dto: CreateSmsSignatureDto) {
    const sig = await this.tx.run(async (m) => {
      await this.repo.getAccount(accountId, m);
      const now = this.clock.now();
      const s = Object.assign(new SmsSignatureEntity(), {
        id: randomUUID(),
        accountId,
        signName: dto.sign_name,
        type: dto.type ?? 'verification',
        status: 'enabled' as const,
        createdAt: now,
        updatedAt: now,
      });
      const saved = await this.repo.save(m, s).catch((err: unknown) => {
        if (!isUniqueViolation(err, SIGN_NAME_UNIQUE)) throw err;
        throw new DomainError('VALIDATION_FAILED', { field: 'sign_name', constraint: 'unique', message: 'sign_name already exists on this account' });
      });
      await this.audit.record(m, actor, {
        action: 'sms_signature.create',
        targetType: 'sms_signature',
        targetId: s.id,
        details: { account_id: accountId, sign_name: s.signName, type: s.type },
      });
      return saved;
    });
    return smsSignatureView(sig);
  }

  /** The account's signatures, oldest first; SMS_ACCOUNT_NOT_FOUND for an unknown account. */
  async list(accountId: string) {
    await this.repo.getAccount(accountId);
    return { items: (await this.repo.listSignatures(accountId)).map(smsSignatureView) };
  }

  /** Enables or disables a signature: sends through a disabled one are refused (SMS_SIGNATURE_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    const sig = await this.tx.run(async (m) => {
      const s = await this.repo.getSignature(id, m, true);
      s.status = status;
      s.updatedAt = this.clock.now();
      const saved = await this.repo.save(m, s);
      await this.audit.record(m, actor, {
        action: `sms_signature.${status === 'enabled' ? 'enable' : 'disable'}`,
        targetType: 'sms_signature',
        targetId: id,
        details: { status },
      });
      return saved;
    });
    return smsSignatureView(sig);
  }
}
