import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, DataSource, EntityManager, type FindOptionsWhere, In, IsNull, LessThan, MoreThanOrEqual, Not } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { type ErrorName } from '../common/errors/error-registry.js';
import { type Scene } from '../common/scenes.js';
import { findByUuid } from '../database/find-by-uuid.js';
import { findPage, type PageRequest } from '../database/find-page.js';
import { GroupWriter } from '../database/group-writer.js';
import { SmsAccountEntity, type SmsProviderName } from './sms-account.entity.js';
import { SmsBindingEntity } from './sms-binding.entity.js';
import { SmsRouteEntity } from './sms-route.entity.js';
import { type NewSmsMessage, type SmsDeliveryStatus, SmsMessageEntity, type SmsMessageStatus } from './sms-message.entity.js';
import { COMPLETE_MESSAGES, INSERT_MESSAGE, messageRowValues, outcomeColumns } from './sms-log.statements.js';
import { SmsSignatureEntity } from './sms-signature.entity.js';
import { SmsTemplateEntity } from './sms-template.entity.js';

export interface SmsMessageFilter extends PageRequest {
  appId?: string;
  /** Rows whose phone is any of these (a number and its pseudonyms). */
  phones?: string[];
  status?: SmsMessageStatus;
  deliveryStatus?: SmsDeliveryStatus;
  scene?: Scene;
  from?: Date;
  to?: Date;
}

/** How a provider call ended, for its send-log row. */
type MessageOutcome = Pick<SmsMessageEntity, 'id' | 'status' | 'bizId' | 'error' | 'providerCode' | 'providerMessage' | 'latencyMs' | 'completedAt'>;

/** A send-log row awaiting its delivery outcome, as the poller asks its provider about it. */
export interface PendingDelivery {
  id: string;
  accountId: string;
  provider: SmsProviderName;
  /** E.164. */
  phone: string;
  bizId: string;
  createdAt: Date;
}

/** A delivery outcome to record on the pending row of one provider message id and number. */
export interface DeliveryOutcome {
  bizId: string;
  /** E.164 forms the report's number may stand for; the row's number must be one of them. */
  phones: readonly string[];
  status: 'delivered' | 'failed';
  code: string | null;
  reportedAt: Date;
}

/** A row whose outcome was recorded now (not before), for the metrics. */
export interface RecordedDelivery {
  id: string;
  appId: string;
  scene: Scene;
  phone: string;
  code: string | null;
  accountId: string;
  status: 'delivered' | 'failed';
  createdAt: Date;
  reportedAt: Date;
}

/** An app's binding for a scene with what it names; a part is null when a concurrent change removed it. */
export interface BindingRoute {
  binding: SmsBindingEntity;
  template: SmsTemplateEntity | null;
  signature: SmsSignatureEntity | null;
  account: SmsAccountEntity | null;
}

/** One route of an app's scene as the send path uses it: what it sends with, and for which destinations. */
export interface PlannedRoute {
  route: SmsRouteEntity;
  template: SmsTemplateEntity;
  /** The account's other enabled templates of the same scene and type that have a language (chooseTemplate). */
  localized: SmsTemplateEntity[];
  signature: SmsSignatureEntity | null;
  account: SmsAccountEntity;
}

/**
 * How an app's scene sends: by its routes when it has any (in position order),
 * else by its binding (primary, then the fallback).
 */
export type SendPlan = { kind: 'routes'; routes: PlannedRoute[] } | { kind: 'binding'; binding: BindingRoute };

/**
 * The only code that touches the sms_* tables. `find*` answers null for unknown
 * or malformed ids, `get*` the not-found error of what it looks for.
 */
@Injectable()
export class SmsRepository {
  /** Outcomes that arrive while a write of them is in flight go together in the next one. */
  private readonly outcomes = new GroupWriter<MessageOutcome>(async (group) => {
    const rows = group.map((o) => [o.id, o.status, o.bizId, o.error, o.providerCode, o.providerMessage, o.latencyMs, o.completedAt]);
    await COMPLETE_MESSAGES.rows(this.ds, outcomeColumns(rows));
  });

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async findAccount(id: string, m: EntityManager = this.ds.manager, lock = false): Promise<SmsAccountEntity | null> {
    return findByUuid(m, SmsAccountEntity, id, lock);
  }

  async getAccount(id: string, m?: EntityManager, lock = false): Promise<SmsAccountEntity> {
    return found(await this.findAccount(id, m, lock), 'SMS_ACCOUNT_NOT_FOUND');
  }

  async listAccounts(): Promise<SmsAccountEntity[]> {
    return this.ds.getRepository(SmsAccountEntity).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async findSignature(id: string, m: EntityManager = this.ds.manager, lock = false): Promise<SmsSignatureEntity | null> {
    return findByUuid(m, SmsSignatureEntity, id, lock);
  }

  async getSignature(id: string, m?: EntityManager, lock = false): Promise<SmsSignatureEntity> {
    return found(await this.findSignature(id, m, lock), 'SMS_SIGNATURE_NOT_FOUND');
  }

  async listSignatures(accountId: string): Promise<SmsSignatureEntity[]> {
    return this.ds.getRepository(SmsSignatureEntity).find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async findTemplate(id: string, m: EntityManager = this.ds.manager, lock = false): Promise<SmsTemplateEntity | null> {
    return findByUuid(m, SmsTemplateEntity, id, lock);
  }

  async getTemplate(id: string, m?: EntityManager, lock = false): Promise<SmsTemplateEntity> {
    return found(await this.findTemplate(id, m, lock), 'SMS_TEMPLATE_NOT_FOUND');
  }

  async listTemplates(accountId: string): Promise<SmsTemplateEntity[]> {
    return this.ds.getRepository(SmsTemplateEntity).find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async findBinding(appId: string, scene: Scene, m: EntityManager = this.ds.manager): Promise<SmsBindingEntity | null> {
    return m.getRepository(SmsBindingEntity).findOneBy({ appId, scene });
  }

  /**
   * The binding of (app, scene) with its primary template, signature and account,
   * in one round trip for the send path. A part missing (a concurrent change) is
   * null, so the caller can report it as it would have by looking each up.
   */
  async findBindingRoute(appId: string, scene: Scene): Promise<BindingRoute | null> {
    type Joined = SmsBindingEntity & { routeTemplate?: SmsTemplateEntity; routeSignature?: SmsSignatureEntity; routeAccount?: SmsAccountEntity };
    const row = (await this.ds
      .getRepository(SmsBindingEntity)
      .createQueryBuilder('b')
      .leftJoinAndMapOne('b.routeTemplate', SmsTemplateEntity, 't', 't.id = b.templateId')
      .leftJoinAndMapOne('b.routeSignature', SmsSignatureEntity, 's', 's.id = b.signatureId')
      .leftJoinAndMapOne('b.routeAccount', SmsAccountEntity, 'a', 'a.id = t.accountId')
      .where('b.appId = :appId AND b.scene = :scene', { appId, scene })
      .getOne()) as Joined | null;
    if (!row) return null;
    const { routeTemplate, routeSignature, routeAccount, ...rest } = row;
    const binding = Object.assign(new SmsBindingEntity(), rest);
    return { binding, template: routeTemplate ?? null, signature: routeSignature ?? null, account: routeAccount ?? null };
  }

  /** The scene's routes if it has any, else its binding; null when it has neither. Two round trips at most. */
  async findSendPlan(appId: string, scene: Scene): Promise<SendPlan | null> {
    const routes = await this.findRoutes(appId, scene);
    if (routes.length) return { kind: 'routes', routes };
    const binding = await this.findBindingRoute(appId, scene);
    return binding && { kind: 'binding', binding };
  }

  /** The scene's routes in position order, each with its template, signature and account (foreign keys keep them), in one round trip. */
  async findRoutes(appId: string, scene: Scene): Promise<PlannedRoute[]> {
    type Joined = SmsRouteEntity & { routeTemplate: SmsTemplateEntity; routeSignature?: SmsSignatureEntity; routeAccount: SmsAccountEntity };
    const rows = (await this.ds
      .getRepository(SmsRouteEntity)
      .createQueryBuilder('r')
      .innerJoinAndMapOne('r.routeTemplate', SmsTemplateEntity, 't', 't.id = r.templateId')
      .leftJoinAndMapOne('r.routeSignature', SmsSignatureEntity, 's', 's.id = r.signatureId')
      .innerJoinAndMapOne('r.routeAccount', SmsAccountEntity, 'a', 'a.id = t.accountId')
      .where('r.appId = :appId AND r.scene = :scene', { appId, scene })
      .orderBy('r.position', 'ASC')
      .getMany()) as Joined[];
    // The templates a route may send in another language: a second round trip, only for routes whose template has a scene.
    const accounts = [...new Set(rows.filter((r) => r.routeTemplate.scene !== null).map((r) => r.routeTemplate.accountId))];
    const localized = accounts.length
      ? await this.ds.getRepository(SmsTemplateEntity).find({ where: { accountId: In(accounts), locale: Not(IsNull()), status: 'enabled' }, order: { createdAt: 'ASC', id: 'ASC' } })
      : [];
    return rows.map(({ routeTemplate, routeSignature, routeAccount, ...rest }) => ({
      route: Object.assign(new SmsRouteEntity(), rest),
      template: routeTemplate,
      localized: localized.filter(
        (t) => t.accountId === routeTemplate.accountId && t.scene !== null && t.scene === routeTemplate.scene && t.type === routeTemplate.type,
      ),
      signature: routeSignature ?? null,
      account: routeAccount,
    }));
  }

  /** Every route of the app, by scene and position. */
  async listRoutes(appId: string, scene?: Scene, m: EntityManager = this.ds.manager): Promise<SmsRouteEntity[]> {
    return m.getRepository(SmsRouteEntity).find({ where: scene ? { appId, scene } : { appId }, order: { scene: 'ASC', position: 'ASC' } });
  }

  /** Replaces the scene's routes with `routes` (positions 1…n), in `m`'s transaction. */
  async replaceRoutes(m: EntityManager, appId: string, scene: Scene, routes: SmsRouteEntity[]): Promise<void> {
    await m.getRepository(SmsRouteEntity).delete({ appId, scene });
    if (routes.length) await m.getRepository(SmsRouteEntity).insert(routes);
  }

  /** Removes the scene's routes; answers how many there were. */
  async deleteRoutes(m: EntityManager, appId: string, scene: Scene): Promise<number> {
    return (await m.getRepository(SmsRouteEntity).delete({ appId, scene })).affected ?? 0;
  }

  async listBindings(appId: string): Promise<SmsBindingEntity[]> {
    return this.ds.getRepository(SmsBindingEntity).find({ where: { appId }, order: { scene: 'ASC' } });
  }

  /**
   * Binds (app, scene), or rebinds it keeping its id and creation time, in one
   * statement: concurrent binds of one scene cannot both insert (the unique
   * constraint would refuse the second). Answers the binding as it now stands.
   */
  async upsertBinding(m: EntityManager, b: SmsBindingEntity): Promise<SmsBindingEntity> {
    await m.query(
      `INSERT INTO sms_bindings (id, app_id, scene, template_id, signature_id, fallback_template_id, fallback_signature_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT ON CONSTRAINT uq_sms_bindings_app_scene DO UPDATE SET
         template_id = EXCLUDED.template_id, signature_id = EXCLUDED.signature_id,
         fallback_template_id = EXCLUDED.fallback_template_id, fallback_signature_id = EXCLUDED.fallback_signature_id,
         updated_at = EXCLUDED.updated_at`,
      [b.id, b.appId, b.scene, b.templateId, b.signatureId, b.fallbackTemplateId, b.fallbackSignatureId, b.createdAt, b.updatedAt],
    );
    return (await this.findBinding(b.appId, b.scene, m))!;
  }

  async deleteBinding(m: EntityManager, id: string): Promise<void> {
    await m.getRepository(SmsBindingEntity).delete({ id });
  }

  /** Inserts or saves an account, a signature or a template. */
  async save<T extends SmsAccountEntity | SmsSignatureEntity | SmsTemplateEntity>(m: EntityManager, entity: T): Promise<T> {
    return m.save(entity);
  }

  /** Writes one send-log row in one round trip. */
  async insertMessage(row: NewSmsMessage): Promise<SmsMessageEntity> {
    const [{ id }] = await INSERT_MESSAGE.rows(this.ds, messageRowValues(row));
    return Object.assign(new SmsMessageEntity(), row, { id, deliveryStatus: null, deliveryCode: null, deliveryReportedAt: null });
  }

  /** Records how a provider call ended on its send-log row (with the outcomes of other sends that come meanwhile). */
  completeMessage(id: string, outcome: Omit<MessageOutcome, 'id'>): Promise<void> {
    return this.outcomes.write({ id, ...outcome });
  }

  /**
   * Closes the send-log rows still `sending` that were written before `before`:
   * their process stopped during the provider call. Answers how many it closed.
   */
  async closeOrphanedMessages(before: Date, now: Date): Promise<number> {
    const [, closed] = (await this.ds.query(
      `UPDATE sms_messages SET status = 'unknown', completed_at = $2,
         provider_message = 'no outcome recorded: the sending process stopped during the provider call'
       WHERE status = 'sending' AND created_at < $1`,
      [before, now],
    )) as [unknown[], number];
    return closed;
  }

  /**
   * Claims up to `limit` pending rows of `providers` sent since `since` that are due
   * for a poll, stamping `delivery_checked_at = now`. A row is due `minGapS` after
   * its send, then again when its last check is older than a quarter of its age
   * (and at least `minGapS`): polls thin out as a message ages. One statement under
   * `FOR UPDATE SKIP LOCKED`, so instances polling at once claim disjoint rows,
   * and a row one has just claimed is not due for the other.
   */
  async claimPendingDeliveries(now: Date, since: Date, providers: readonly SmsProviderName[], minGapS: number, limit: number): Promise<PendingDelivery[]> {
    const [rows] = (await this.ds.query(
      `UPDATE sms_messages SET delivery_checked_at = $1
       WHERE id IN (
         SELECT id FROM sms_messages
         WHERE delivery_status = 'pending' AND created_at >= $2 AND provider = ANY($3::varchar[]) AND biz_id IS NOT NULL
           -- An erased or hashed number cannot be asked about: the row waits for a push or the deadline.
           AND phone LIKE '+%'
           -- First asked about minGapS after the send: a carrier's report comes within seconds, pushed where the
           -- account has a receipt URL, and a query before then mostly hears "awaiting the carrier" and is wasted.
           AND created_at <= $1::timestamptz - make_interval(secs => $4)
           AND (delivery_checked_at IS NULL OR delivery_checked_at <= $1::timestamptz - GREATEST(make_interval(secs => $4), ($1::timestamptz - created_at) / 4))
         ORDER BY created_at LIMIT $5
         FOR UPDATE SKIP LOCKED)
       RETURNING id, account_id, provider, phone, biz_id, created_at`,
      [now, since, providers, minGapS, limit],
    )) as [Array<{ id: string; account_id: string; provider: SmsProviderName; phone: string; biz_id: string; created_at: Date }>, number];
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, provider: r.provider, phone: r.phone, bizId: r.biz_id, createdAt: new Date(r.created_at) }));
  }

  /**
   * Records outcomes on the account's pending rows, in one statement: a row changes
   * only when its account, provider message id and number all match and it is still
   * `pending`, so a repeated report (or a report and a poll of one message) changes
   * it once; of two reports of one message in `outcomes`, the first is taken (an
   * UPDATE joined to two rows of the batch took either, whichever the plan met
   * first). Answers the rows it changed. In `m`'s transaction (the events it reports are written there too).
   *
   * The rows are locked first, in id order, whatever the order of the reports or
   * the plan's: a push and a poll round (or two pushes) reporting the same messages
   * wait for each other instead of each holding a row the other needs, a deadlock
   * in which Postgres aborted one of them (a push answered 500).
   */
  async recordDeliveries(m: EntityManager, accountId: string, outcomes: readonly DeliveryOutcome[]): Promise<RecordedDelivery[]> {
    const cols: [string[], string[], string[], Array<string | null>, Date[]] = [[], [], [], [], []];
    for (const o of outcomes) {
      for (const phone of o.phones) {
        cols[0].push(o.bizId);
        cols[1].push(phone);
        cols[2].push(o.status);
        cols[3].push(o.code);
        cols[4].push(o.reportedAt);
      }
    }
    if (!cols[0].length) return [];
    const [rows] = (await m.query(
      `WITH r AS (SELECT DISTINCT ON (biz_id, phone) * FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::timestamptz[])
                   WITH ORDINALITY AS r(biz_id, phone, status, code, reported_at, n) ORDER BY biz_id, phone, n),
       due AS MATERIALIZED (
         -- A carrier's time before the send (a clock that is off, a year 0000 in a forged push) is the send's time.
         SELECT m.id, r.status, r.code, GREATEST(r.reported_at, m.created_at) AS reported_at FROM sms_messages m JOIN r ON m.biz_id = r.biz_id AND m.phone = r.phone
          WHERE m.delivery_status = 'pending' AND m.account_id = $1
          ORDER BY m.id FOR UPDATE OF m)
       UPDATE sms_messages m SET delivery_status = due.status, delivery_code = due.code, delivery_reported_at = due.reported_at
       FROM due
       WHERE m.id = due.id AND m.delivery_status = 'pending'
       RETURNING m.id, m.app_id, m.scene, m.phone, m.account_id, m.created_at, due.status, due.code, due.reported_at`,
      [accountId, ...cols],
    )) as [
      Array<{ id: string; app_id: string; scene: Scene; phone: string; account_id: string; created_at: Date; status: 'delivered' | 'failed'; code: string | null; reported_at: Date }>,
      number,
    ];
    return rows.map((r) => ({
      id: r.id,
      appId: r.app_id,
      scene: r.scene,
      phone: r.phone,
      code: r.code,
      accountId: r.account_id,
      status: r.status,
      createdAt: new Date(r.created_at),
      reportedAt: new Date(r.reported_at),
    }));
  }

  /**
   * Marks `unknown` up to `limit` rows still pending that were sent before
   * `before` (the delivery deadline). Answers the account of each row it changed.
   */
  async expireDeliveries(before: Date, limit: number): Promise<Array<string | null>> {
    const [rows] = (await this.ds.query(
      `UPDATE sms_messages SET delivery_status = 'unknown'
       WHERE delivery_status = 'pending' AND id IN (
         SELECT id FROM sms_messages WHERE delivery_status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING account_id`,
      [before, limit],
    )) as [Array<{ account_id: string | null }>, number];
    return rows.map((r) => r.account_id);
  }

  /** Every app's id: the apps whose pseudonyms of a number a send-log search across all apps must try. */
  async allAppIds(): Promise<string[]> {
    const rows = (await this.ds.query(`SELECT id FROM apps`)) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  async listMessages(f: SmsMessageFilter): Promise<{ items: SmsMessageEntity[]; total: number }> {
    const where: FindOptionsWhere<SmsMessageEntity> = {};
    if (f.appId) where.appId = f.appId;
    if (f.phones) where.phone = In(f.phones);
    if (f.status) where.status = f.status;
    if (f.deliveryStatus) where.deliveryStatus = f.deliveryStatus;
    if (f.scene) where.scene = f.scene;
    if (f.from && f.to) where.createdAt = And(MoreThanOrEqual(f.from), LessThan(f.to));
    else if (f.from) where.createdAt = MoreThanOrEqual(f.from);
    else if (f.to) where.createdAt = LessThan(f.to);
    return findPage(this.ds.getRepository(SmsMessageEntity), { where, order: { createdAt: 'DESC', attempt: 'DESC', id: 'ASC' } }, f);
  }
}

/** The row, or `error` when there is none. */
function found<T>(row: T | null, error: ErrorName): T {
  if (!row) throw new DomainError(error);
  return row;
}
