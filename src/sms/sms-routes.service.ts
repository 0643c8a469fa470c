import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { type EntityManager } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isScene, type Scene } from '../common/scenes.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { SmsRouteEntity } from './sms-route.entity.js';
import { type PutSmsRoutesDto, type SmsRouteDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsRoutesView } from './sms.views.js';

/**
 * Each app scene's ordered routes (account + template + signature, optionally for
 * some destination countries), as operators set them; every change is audited.
 * A scene with routes sends by them; without, by its binding.
 */
@Injectable()
export class SmsRoutesService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly changes: SmsConfigChanges,
  ) {}

  /** Every scene of the app that has routes, with them in order; APP_NOT_FOUND for an unknown app. */
  async list(appId: string) {
    await this.apps.get(appId);
    const byScene = new Map<Scene, SmsRouteEntity[]>();
    for (const r of await this.repo.listRoutes(appId)) byScene.set(r.scene, [...(byScene.get(r.scene) ?? []), r]);
    return { items: [...byScene].map(([scene, routes]) => smsRoutesView(appId, scene, routes)) };
  }

  /**
   * Replaces the scene's routes with `dto.routes`, tried in that order. Each names a
   * template and, but for twilio accounts, a signature of the same account and
   * type (SMS_TEMPLATE_NOT_FOUND, SMS_SIGNATURE_NOT_FOUND, SMS_BINDING_ACCOUNT_MISMATCH,
   * SMS_BINDING_TYPE_MISMATCH, naming `routes[i].…`); a twilio route's template needs
   * content (the body Passcode renders); countries are ISO 3166-1 regions.
   */
  async put(actor: Actor, appId: string, scene: string, dto: PutSmsRoutesDto) {
    const sc = requireScene(scene);
    await this.apps.get(appId);
    dto.routes.forEach((r, i) => checkCountries(r.countries, i));
    const saved = await this.changes.run(async (m) => {
      const now = this.clock.now();
      const rows: SmsRouteEntity[] = [];
      for (const [i, r] of dto.routes.entries()) {
        await this.checkRoute(m, r, i);
        rows.push(Object.assign(new SmsRouteEntity(), {
          id: randomUUID(), appId, scene: sc, position: i + 1, templateId: r.template_id, signatureId: r.signature_id ?? null,
          countries: r.countries ? [...new Set(r.countries)] : null, createdAt: now,
        }));
      }
      await this.repo.replaceRoutes(m, appId, sc, rows);
      const view = smsRoutesView(appId, sc, rows);
      await this.audit.record(m, actor, { action: 'sms_routes.put', targetType: 'app', targetId: appId, details: { scene: sc, routes: view.routes } });
      return view;
    });
    return saved;
  }

  /** Removes the scene's routes (its binding, if any, sends again); SMS_NOT_CONFIGURED when it had none. */
  async delete(actor: Actor, appId: string, scene: string): Promise<void> {
    const sc = requireScene(scene);
    await this.apps.get(appId);
    await this.changes.run(async (m) => {
      if (!(await this.repo.deleteRoutes(m, appId, sc))) throw new DomainError('SMS_NOT_CONFIGURED', { message: `scene ${sc} has no routes` });
      await this.audit.record(m, actor, { action: 'sms_routes.delete', targetType: 'app', targetId: appId, details: { scene: sc } });
    });
  }

  private async checkRoute(m: EntityManager, r: SmsRouteDto, i: number): Promise<void> {
    const field = (name: string) => `routes[${i}].${name}`;
    const tpl = await this.repo.findTemplate(r.template_id, m);
    if (!tpl) throw new DomainError('SMS_TEMPLATE_NOT_FOUND', { field: field('template_id') });
    const account = await this.repo.getAccount(tpl.accountId, m);
    if (account.provider === 'twilio' && !tpl.content) {
      throw new DomainError('VALIDATION_FAILED', { field: field('template_id'), constraint: 'hasContent', message: 'twilio sends the template\'s content, and this template has none' });
    }
    if (!r.signature_id) {
      if (account.provider === 'twilio') return;
      throw new DomainError('VALIDATION_FAILED', { field: field('signature_id'), constraint: 'isNotEmpty', message: `${account.provider} accounts send with a signature` });
    }
    const sig = await this.repo.findSignature(r.signature_id, m);
    if (!sig) throw new DomainError('SMS_SIGNATURE_NOT_FOUND', { field: field('signature_id') });
    if (sig.accountId !== tpl.accountId) throw new DomainError('SMS_BINDING_ACCOUNT_MISMATCH', { field: field('signature_id') });
    if (sig.type !== tpl.type) {
      throw new DomainError('SMS_BINDING_TYPE_MISMATCH', { field: field('signature_id'), message: `signature type ${sig.type} differs from template type ${tpl.type}` });
    }
  }
}

function checkCountries(countries: readonly unknown[] | null | undefined, i: number): void {
  for (const c of countries ?? []) {
    if (typeof c !== 'string' || !/^[A-Z]{2}$/.test(c) || !isSupportedCountry(c)) {
      throw new DomainError('VALIDATION_FAILED', { field: `routes[${i}].countries`, constraint: 'isISO31661Alpha2', message: 'countries are ISO 3166-1 alpha-2 regions in capitals (CN, GB)' });
    }
  }
}

function requireScene(scene: string): Scene {
  if (!isScene(scene)) throw new DomainError('VALIDATION_FAILED', { field: 'scene', constraint: 'isIn', message: 'scene must be a known scene' });
  return scene;
}
