import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SmsProviderName = 'aliyun' | 'tencent' | 'twilio' | 'console';
export const SMS_PROVIDER_NAMES: readonly SmsProviderName[] = Object.keys(
  { aliyun: 1, tencent: 1, twilio: 1, console: 1 } satisfies Record<SmsProviderName, 1>,
) as SmsProviderName[];
export type SmsEntityStatus = 'enabled' | 'disabled';

/** A provider account: who sends, with which (encrypted) credentials. Shared by every app that binds it. */
@Entity('sms_accounts')
export class SmsAccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  provider: SmsProviderName;

  /**
   * AES-256-GCM of the provider type's credentials as JSON (aliyun
   * `{access_key_id, access_key_secret}`, tencent `{secret_id, secret_key}`, twilio
   * `{account_sid, auth_token}`; see PROVIDER_ACCOUNTS), associated data `sms_account:<id>:credentials`.
   */
  @Column({ name: 'credentials_enc', type: 'text', nullable: true })
  credentialsEnc: string | null;

  /** What the admin API shows of the credentials' public id (`LTAI****abcd`): AccessKey id, SecretId or Account SID. */
  @Column({ name: 'access_key_id_masked', type: 'varchar', nullable: true })
  accessKeyIdMasked: string | null;

  /** The provider type's plain settings (tencent `sdk_app_id`, `region`; twilio `from` or `messaging_service_sid`), shown on read. */
  @Column({ type: 'jsonb' })
  settings: Record<string, string>;

  @Column({ type: 'varchar', nullable: true })
  endpoint: string | null;

  @Column({ type: 'varchar' })
  protocol: 'http' | 'https';

  /** Overrides SMS_TIMEOUT_MS for this account. */
  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs: number | null;

  @Column({ type: 'varchar' })
  status: SmsEntityStatus;

  /** SHA-256 (hex) of the token in this account's status-report URL; null until an operator issues one. */
  @Column({ name: 'receipt_token_hash', type: 'varchar', nullable: true })
  receiptTokenHash: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
