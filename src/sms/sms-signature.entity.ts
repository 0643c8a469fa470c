import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type SmsEntityStatus } from './sms-account.entity.js';

export type SmsMessageType = 'verification' | 'notification';
export const SMS_MESSAGE_TYPES: readonly SmsMessageType[] = ['verification', 'notification'];

/** A sign name registered with the provider under one account. */
@Entity('sms_signatures')
export class SmsSignatureEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @Column({ name: 'sign_name', type: 'varchar' })
  signName: string;

  @Column({ type: 'varchar' })
  type: SmsMessageType;

  @Column({ type: 'varchar' })
  status: SmsEntityStatus;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
