import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type Scene } from '../common/scenes.js';
import { type SmsEntityStatus } from './sms-account.entity.js';
import { type SmsMessageType } from './sms-signature.entity.js';

/** A message template registered with the provider under one account. */
@Entity('sms_templates')
export class SmsTemplateEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @Column({ name: 'template_code', type: 'varchar' })
  templateCode: string;

  /** The scene it was made for; informative, the binding decides. */
  @Column({ type: 'varchar', nullable: true })
  scene: Scene | null;

  /** The template parameter that carries the code (`code`). */
  @Column({ name: 'code_param', type: 'varchar' })
  codeParam: string;

  /** The text with `${param}` placeholders; the console provider renders it. */
  @Column({ type: 'text', nullable: true })
  content: string | null;

  @Column({ type: 'varchar' })
  type: SmsMessageType;

  /** Its language (BCP 47: `zh-CN`, `en`), when it has one: routes choose among an account's templates of a scene by it. */
  @Column({ type: 'varchar', nullable: true })
  locale: string | null;

  @Column({ type: 'varchar' })
  status: SmsEntityStatus;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
