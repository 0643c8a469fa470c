import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { hashPassword, verifyPassword } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { Clock } from '../common/clock/clock.js';
import { type OperatorRole } from './operator-access.js';
import { type ChangeOwnPasswordDto, type CreateOperatorDto, type UpdateOperatorDto } from './operator.dto.js';
import { type OperatorRow, operatorView, type OperatorView } from './operator.view.js';
import { isUuid } from '../database/find-by-uuid.js';

const SELECT_OPERATORS = `
  SELECT o.id, o.username, o.role, o.status, o.last_login_at, o.created_at,
         ARRAY(SELECT app_id::text FROM operator_apps a WHERE a.operator_id = o.id) AS app_ids
  FROM operators o`;

/** Every change to operators holds this lock: the last-owner rule reads all owners, so changes run one at a time. */
const OPERATORS_LOCK = `SELECT pg_advisory_xact_lock(hashtext('passcode:operators'))`;

/**
 * Operators as owners manage them: create with a role (and, for an admin, apps),
 * change role, apps, status or password, each audited. The last enabled owner
 * can be neither demoted nor disabled. A password change or a disable ends the
 * operator's tokens (their generation is counted up).
 */
@Injectable()
export class OperatorsAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<OperatorView[]> {
    const rows = await this.ds.query<OperatorRow[]>(`${SELECT_OPERATORS} ORDER BY o.created_at, o.id`);
    return rows.map(operatorView);
  }

  async get(id: string, m: EntityManager = this.ds.manager): Promise<OperatorView> {
    if (!isUuid(id)) throw new DomainError('OPERATOR_NOT_FOUND');
    const [row] = await m.query<OperatorRow[]>(`${SELECT_OPERATORS} WHERE o.id = $1`, [id]);
    if (!row) throw new DomainError('OPERATOR_NOT_FOUND');
    return operatorView(row);
  }

  async create(actor: Actor, dto: CreateOperatorDto): Promise<OperatorView> {
    const appIds = appsOf(dto.role, dto.app_ids) ?? [];
    return this.ds.transaction(async (m) => {
      await m.query(OPERATORS_LOCK);
      await assertAppsExist(m, appIds);
      const now = this.clock.now();
      const inserted = await m.query<Array<{ id: string }>>(
        `INSERT INTO operators (username, password_hash, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (username) DO NOTHING RETURNING id`,
        [dto.username, await hashPassword(dto.password), dto.role, now],
      );
      if (!inserted.length) throw new DomainError('OPERATOR_USERNAME_TAKEN', { field: 'username' });
      const id = inserted[0].id;
      await setApps(m, id, appIds);
      await this.audit.record(m, actor, { action: 'operator.create', targetType: 'operator', targetId: id, details: { username: dto.username, role: dto.role, app_ids: appIds } });
      return this.get(id, m);
    });
  }

  async update(actor: Actor, id: string, dto: UpdateOperatorDto): Promise<OperatorView> {
    return this.ds.transaction(async (m) => {
      if (!isUuid(id)) throw new DomainError('OPERATOR_NOT_FOUND');
      await m.query(OPERATORS_LOCK);
      const [current] = await m.query<Array<{ role: OperatorRole; status: 'enabled' | 'disabled' }>>(`SELECT role, status FROM operators WHERE id = $1`, [id]);
      if (!current) throw new DomainError('OPERATOR_NOT_FOUND');
      const role = dto.role ?? current.role;
      const status = dto.status ?? current.status;
      const appIds = appsOf(role, dto.app_ids);
      if (current.role === 'owner' && current.status === 'enabled' && (role !== 'owner' || status !== 'enabled')) {
        const [{ n }] = await m.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM operators WHERE role = 'owner' AND status = 'enabled' AND id <> $1`,
          [id],
        );
        if (n === 0) throw new DomainError('OPERATOR_LAST_OWNER', { field: dto.role !== undefined && dto.role !== 'owner' ? 'role' : 'status' });
      }
      if (appIds) await assertAppsExist(m, appIds);
      const endsTokens = dto.password !== undefined || (status === 'disabled' && current.status === 'enabled');
      await m.query(
        `UPDATE operators SET role = $2, status = $3, password_hash = coalesce($4, password_hash),
                token_generation = token_generation + $5::int, updated_at = $6
         WHERE id = $1`,
        [id, role, status, dto.password !== undefined ? await hashPassword(dto.password) : null, endsTokens ? 1 : 0, this.clock.now()],
      );
      // Only an admin has apps: a change of role away from admin drops them.
      if (appIds || role !== 'admin') await setApps(m, id, appIds ?? []);
      const details: Record<string, unknown> = {};
      if (dto.role !== undefined) details.role = dto.role;
      if (dto.status !== undefined) details.status = dto.status;
      if (appIds) details.app_ids = appIds;
      if (dto.password !== undefined) details.password_changed = true;
      await this.audit.record(m, actor, { action: 'operator.update', targetType: 'operator', targetId: id, details });
      return this.get(id, m);
    });
  }

  /** The operator's own password: the current one must be given. Ends their other tokens; answers the operator as now stored. */
  async changeOwnPassword(actor: Actor, dto: ChangeOwnPasswordDto): Promise<{ id: string; username: string; tokenGeneration: number }> {
    return this.ds.transaction(async (m) => {
      const [row] = await m.query<Array<{ id: string; username: string; password_hash: string; token_generation: number }>>(
        `SELECT id, username, password_hash, token_generation FROM operators WHERE id = $1 AND status = 'enabled' FOR UPDATE`,
        [actor.operatorId],
      );
      if (!row) throw new DomainError('UNAUTHORIZED');
      if (!(await verifyPassword(dto.current_password, row.password_hash))) throw new DomainError('OPERATOR_PASSWORD_WRONG', { field: 'current_password' });
      await m.query(`UPDATE operators SET password_hash = $2, token_generation = token_generation + 1, updated_at = $3 WHERE id = $1`, [
        row.id,
        await hashPassword(dto.new_password),
        this.clock.now(),
      ]);
      await this.audit.record(m, actor, { action: 'operator.change_password', targetType: 'operator', targetId: row.id });
      return { id: row.id, username: row.username, tokenGeneration: row.token_generation + 1 };
    });
  }
}

/** The apps to store for an operator of `role`, or undefined to keep them; apps for another role than admin are refused. */
function appsOf(role: OperatorRole, appIds: string[] | undefined): string[] | undefined {
  if (appIds === undefined) return undefined;
  if (role !== 'admin' && appIds.length) {
    throw new DomainError('VALIDATION_FAILED', { field: 'app_ids', message: 'app_ids are for admins only: owners and viewers see every app' });
  }
  return [...new Set(appIds.map((id) => id.toLowerCase()))];
}

async function assertAppsExist(m: EntityManager, appIds: string[]): Promise<void> {
  if (!appIds.length) return;
  const found = await m.query<Array<{ id: string }>>(`SELECT id::text FROM apps WHERE id = ANY($1::uuid[])`, [appIds]);
  if (found.length !== appIds.length) throw new DomainError('APP_NOT_FOUND', { field: 'app_ids' });
}

async function setApps(m: EntityManager, operatorId: string, appIds: string[]): Promise<void> {
  await m.query(`DELETE FROM operator_apps WHERE operator_id = $1`, [operatorId]);
  if (appIds.length) await m.query(`INSERT INTO operator_apps (operator_id, app_id) SELECT $1, unnest($2::uuid[])`, [operatorId, appIds]);
}
