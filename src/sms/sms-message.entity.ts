import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type ErrorName } from '../common/errors/error-registry.js';
import { type Scene } from '../common/scenes.js';
import { type SmsProviderName } from './sms-account.entity.js';

/** `unknown`: the process stopped during the provider call, so whether the SMS went out is not known (SendLogSweeper). */
export type SmsMessageStatus = 'sending' | 'sent' | 'failed' | 'unknown';

/**
 * What happened to an accepted message afterwards: `pending` until a status report
 * or a poll says `delivered` or `failed`, `unknown` when none has by the delivery
 * deadline. Null for rows a provider gave no message id (nothing to track).
 */
export type SmsDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'unknown';
export const SMS_DELIVERY_STATUSES: readonly SmsDeliveryStatus[] = Object.keys(
  { pending: 1, delivered: 1, failed: 1, unknown: 1 } satisfies Record<SmsDeliveryStatus, 1>,
) as SmsDeliveryStatus[];

/** One send attempt in the send log. A failed-over send is two rows, attempts 1 and 2. */
@Entity('sms_messages')
export class SmsMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'app_id', type: 'uuid' })
  appId: string;

  @Column({ type: 'varchar' })
  scene: Scene;

  /** E.164. */
  @Column({ type: 'varchar' })
  phone: string;

  /** The phone's ISO 3166-1 region (`CN`), when known. */
  @Column({ type: 'varchar', nullable: true })
  country: string | null;

  @Column({ type: 'varchar' })
  origin: string;

  @Column({ type: 'smallint' })
  attempt: number;

  @Column({ type: 'varchar', nullable: true })
  provider: SmsProviderName | null;

  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ name: 'template_code', type: 'varchar', nullable: true })
  templateCode: string | null;

  @Column({ name: 'sign_name', type: 'varchar', nullable: true })
  signName: string | null;

  @Column({ type: 'varchar' })
  status: SmsMessageStatus;

  @Column({ name: 'biz_id', type: 'varchar', nullable: true })
  bizId: string | null;

  /** The domain error this attempt ended in. */
  @Column({ type: 'varchar', nullable: true })
  error: ErrorName | null;

  @Column({ name: 'provider_code', type: 'varchar', nullable: true })
  providerCode: string | null;

  @Column({ name: 'provider_message', type: 'text', nullable: true })
  providerMessage: string | null;

  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'delivery_status', type: 'varchar', nullable: true, insert: false, update: false })
  deliveryStatus: SmsDeliveryStatus | null;

  /** The provider's status code of a delivered or failed message (`DELIVERED`, `MK:0001`, …). */
  @Column({ name: 'delivery_code', type: 'varchar', nullable: true, insert: false, update: false })
  deliveryCode: string | null;

  /** When the carrier reported the outcome, as the provider says. */
  @Column({ name: 'delivery_reported_at', type: 'timestamptz', nullable: true, insert: false, update: false })
  deliveryReportedAt: Date | null;
}

/** A send-log row as the send path writes it: the delivery columns are the receipts' to fill. */
export type NewSmsMessage = Omit<SmsMessageEntity, 'id' | 'deliveryStatus' | 'deliveryCode' | 'deliveryReportedAt'>;
