import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type Scene } from '../common/scenes.js';

/** Which template and signature an app's scene sends with, and optionally which to fail over to. */
@Entity('sms_bindings')
export class SmsBindingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'app_id', type: 'uuid' })
  appId: string;

  @Column({ type: 'varchar' })
  scene: Scene;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @Column({ name: 'signature_id', type: 'uuid' })
  signatureId: string;

  @Column({ name: 'fallback_template_id', type: 'uuid', nullable: true })
  fallbackTemplateId: string | null;

  @Column({ name: 'fallback_signature_id', type: 'uuid', nullable: true })
  fallbackSignatureId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
