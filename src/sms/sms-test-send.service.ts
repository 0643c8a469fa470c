import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { parsePhoneInput } from '../common/phone/phone.js';
import { SmsSender, type SmsSendResult } from './sms-sender.js';
import { SmsTestSendDto } from './sms.dto.js';

/** An operator's test message through an app's binding, sent as any other and audited. */
@Injectable()
export class SmsTestSendService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly sender: SmsSender,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Sends through the app's binding of the scene (a random six-digit `code` when no
   * params are given); the answer names the send-log row. APP_NOT_FOUND for an
   * unknown app, then whatever the send throws; the attempt is audited either way.
   */
  async send(actor: Actor, appId: string, dto: SmsTestSendDto): Promise<SmsSendResult> {
    await this.apps.get(appId);
    const { e164: phone, region: country } = parsePhoneInput(dto.mcode, dto.mobile);
    const params = dto.params ?? { code: String(randomInt(0, 1_000_000)).padStart(6, '0') };
    try {
      return await this.sender.send({ appId, scene: dto.scene, phone, country, params, origin: 'admin-test', ...(dto.locale ? { locale: dto.locale } : {}) });
    } finally {
      await this.ds.transaction((m) =>
        this.audit.record(m, actor, { action: 'sms.test_send', targetType: 'app', targetId: appId, details: { scene: dto.scene } }),
      );
    }
  }
}
