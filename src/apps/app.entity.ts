import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type CodePolicy, type LoginConfig, type RetentionPolicy } from './app-settings.js';

export type AppStatus = 'enabled' | 'disabled';

@Entity('apps')
export class AppEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  appkey: string;

  /** AES-256-GCM, associated data `app:<id>`. */
  @Column({ name: 'secret_enc', type: 'text' })
  secretEnc: string;

  @Column({ name: 'previous_secret_enc', type: 'text', nullable: true })
  previousSecretEnc: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ type: 'varchar' })
  status: AppStatus;

  @Column({ name: 'login_config', type: 'jsonb', nullable: true })
  loginConfig: LoginConfig | null;

  @Column({ name: 'code_policy', type: 'jsonb' })
  codePolicy: CodePolicy;

  /** Whole (defaults filled in at creation, and by the migration for older apps). */
  @Column({ type: 'jsonb' })
  retention: RetentionPolicy;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
