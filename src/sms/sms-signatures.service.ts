import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { Clock } from '../common/clock/clock.js';
import { type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { SmsSignatureEntity } from './sms-signature.entity.js';
import { CreateSmsSignatureDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsSignatureView } from './sms.views.js';

/** A sign name is once per account (migration SmsDelivery). */
const SIGN_NAME_UNIQUE = { constraint: 'uq_sms_signatures_account_sign_name', field: 'sign_name' };

/** An account's signatures as operators manage them; every change is audited. */
@Injectable()
export class SmsSignaturesService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly clock: Clock,
    private readonly changes: SmsConfigChanges,
  ) {}

  /**
   * Adds a sign name to the account. SMS_ACCOUNT_NOT_FOUND for an unknown account;
   * VALIDATION_FAILED on `sign_name` when the account has it already.
   */
  async create(actor: Actor, accountId: string, dto: CreateSmsSignatureDto) {
    await this.repo.getAccount(accountId);
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
    const details = { account_id: accountId, sign_name: s.signName, type: s.type };
    return smsSignatureView(await this.changes.insert(actor, 'sms_signature.create', s, details, SIGN_NAME_UNIQUE));
  }

  /** The account's signatures, oldest first; SMS_ACCOUNT_NOT_FOUND for an unknown account. */
  async list(accountId: string) {
    await this.repo.getAccount(accountId);
    return { items: (await this.repo.listSignatures(accountId)).map(smsSignatureView) };
  }

  /** Enables or disables a signature: sends through a disabled one are refused (SMS_SIGNATURE_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return smsSignatureView(await this.changes.setStatus(actor, 'sms_signature', status, (m) => this.repo.getSignature(id, m, true)));
  }
}
