import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type OperatorRole } from './operator-access.js';

@Entity('operators')
export class OperatorEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  username: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'varchar' })
  status: 'enabled' | 'disabled';

  @Column({ type: 'varchar' })
  role: OperatorRole;

  /** Carried by each token; counted up by a password change or a disable, which ends the tokens issued before. */
  @Column({ name: 'token_generation', type: 'integer' })
  tokenGeneration: number;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
