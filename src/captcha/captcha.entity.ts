import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('captchas')
export class CaptchaEntity {
  @PrimaryColumn({ type: 'varchar' })
  id: string;

  @Column({ name: 'app_id', type: 'uuid' })
  appId: string;

  /** HMAC-SHA256(pepper, `captcha|<id>|<ANSWER>`). */
  @Column({ name: 'answer_hash', type: 'char' })
  answerHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
