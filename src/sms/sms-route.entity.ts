import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type Scene } from '../common/scenes.js';

/**
 * One route of an app's scene: a template (of one account) and its signature,
 * tried at `position` (1 first) for destinations in `countries` (any when null).
 */
@Entity('sms_routes')
export class SmsRouteEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'app_id', type: 'uuid' })
  appId: string;

  @Column({ type: 'varchar' })
  scene: Scene;

  @Column({ type: 'smallint' })
  position: number;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  /** Null for a provider that sends without a sign name (twilio). */
  @Column({ name: 'signature_id', type: 'uuid', nullable: true })
  signatureId: string | null;

  /** ISO 3166-1 alpha-2 regions of the destinations it serves; null for every destination. */
  @Column({ type: 'varchar', array: true, nullable: true })
  countries: string[] | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
