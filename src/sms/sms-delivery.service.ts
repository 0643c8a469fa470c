import { performance } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type ErrorName } from '../common/errors/error-registry.js';
import { storableId, storableText } from '../common/text/storable-text.js';
import { Metrics } from '../metrics/metrics.js';
import { maskNumber } from '../retention/number-forms.js';
import { HeldOutcomes, type LoggedOutcome } from './held-outcomes.js';
import { renderTemplate } from './providers/render-template.js';
import { mayFailOver, type SmsAccountConnection, type SmsProviderOutcome, type SmsRefused } from './providers/sms-provider.js';
import { SmsProviderRegistry } from './providers/sms-provider.registry.js';
import { type SmsAccountEntity } from './sms-account.entity.js';
import { type NewSmsMessage, type SmsMessageStatus } from './sms-message.entity.js';
import { type SmsDelivery, SmsSender, type SmsSendRequest, type SmsSendResult } from './sms-sender.js';
import { type SmsSignatureEntity } from './sms-signature.entity.js';
import { type SmsTemplateEntity } from './sms-template.entity.js';
import { SmsCircuitBreaker } from './sms-circuit-breaker.js';
import { chooseTemplate, countryLocale } from './sms-locale.js';
import { SmsConnections } from './sms-connections.js';
import { SmsRouteCache } from './sms-route-cache.js';
import { type SendPlan, SmsRepository } from './sms.repository.js';

/** One account's template and signature, as a route or a binding names them (no signature: a provider that sends without one). */
interface Route {
  account: SmsAccountEntity;
  template: SmsTemplateEntity;
  signature: SmsSignatureEntity | null;
}

/** The send-log status of each provider outcome. */
const LOG_STATUS: Record<'accepted' | 'refused' | 'unknown', SmsMessageStatus> = { accepted: 'sent', refused: 'failed', unknown: 'unknown' };

/** The slack past the provider's own timeout before we stop waiting for it ourselves. */
const TIMEOUT_SLACK_MS = 250;

/**
 * Sends SMS, the route planner: resolves an app's routes for a scene and the
 * destination (or its binding), checks that what the first names is enabled,
 * writes the first attempt's send-log row (in the caller's transaction when it
 * has one), calls the provider (outside any transaction, bounded in time),
 * completes the row and fails over to the next route on a refusal where no message
 * can have left and another account may succeed (mayFailOver: the account or a
 * transient refusal). An unknown outcome (a timeout, a connection lost after the
 * request was written) never fails over: the first message may still arrive.
 * Every attempt is a send-log row, numbered.
 */
@Injectable()
export class SmsDeliveryService extends SmsSender implements OnModuleDestroy {
  /** Outcomes the send log could not take when they came, written again until it does. */
  private readonly held: HeldOutcomes;

  constructor(
    private readonly repo: SmsRepository,
    private readonly providers: SmsProviderRegistry,
    private readonly connections: SmsConnections,
    private readonly clock: Clock,
    private readonly routes: SmsRouteCache,
    private readonly logger: PinoLogger,
    private readonly metrics: Metrics,
    private readonly breaker: SmsCircuitBreaker,
  ) {
    super();
    this.logger.setContext('SmsDeliveryService');
    this.held = new HeldOutcomes((id, outcome) => this.repo.completeMessage(id, outcome), clock, logger);
  }

  /** Before the database closes: the outcomes still held are written once more, for a few seconds at most. */
  async onModuleDestroy(): Promise<void> {
    await this.held.stop();
  }

  /**
   * The app's routes for the scene that serve the destination, the first usable one
   * checked, with its first send-log row ready (see SmsSender). A scene with routes
   * sends by them, in order, skipping those restricted to other countries; a scene
   * without routes sends by its binding (primary, then the fallback).
   */
  async prepare(req: SmsSendRequest): Promise<SmsDelivery> {
    const plan = await this.routes.get(req, () => this.repo.findSendPlan(req.appId, req.scene));
    if (!plan) {
      await this.logRefusal(req, null, 'SMS_NOT_CONFIGURED');
      throw new DomainError('SMS_NOT_CONFIGURED', { message: `no SMS binding for scene ${req.scene}` });
    }
    const candidates = await this.candidates(req, plan);
    if (!candidates.length) {
      await this.logRefusal(req, null, 'SMS_NOT_CONFIGURED');
      throw new DomainError('SMS_NOT_CONFIGURED', { message: `no SMS route of scene ${req.scene} serves ${destinationCountry(req) ?? 'this number'}` });
    }
    // The first usable route sends (one whose circuit is open only when no other is usable);
    // when none is usable, the first one's refusal is the answer. A binding's disabled primary refuses, as it always did.
    const first = await candidates[0]();
    const picked = plan.kind === 'binding' && routeRefusal(first) ? null : await this.pick(candidates, 0);
    if (!picked) {
      const refusal = routeRefusal(first)!;
      await this.logRefusal(req, first, refusal);
      throw new DomainError(refusal);
    }
    const primary = picked.route;
    let index = picked.index;
    let firstRow: string | undefined;
    const row = this.sendingRow(req, primary, 1);
    return {
      firstRow: row,
      recorded: (id) => {
        firstRow = id;
      },
      record: async () => {
        firstRow = (await this.repo.insertMessage(row)).id;
      },
      deliver: async () => {
        if (firstRow === undefined) throw new Error('SmsDelivery.deliver() before its first row was recorded');
        let route = primary;
        let rowId = firstRow;
        for (let attempt = 1; ; attempt++) {
          const outcome = await this.attempt(req, route, rowId);
          if (outcome.ok) return outcome.result;
          if (!mayFailOver(outcome.refusal)) throw toDomainError(outcome);
          // The next route still usable; a disabled one is no way out. None left: report what the last one answered.
          const next = await this.pick(candidates, index + 1);
          if (!next) throw toDomainError(outcome);
          ({ route, index } = next);
          rowId = (await this.repo.insertMessage(this.sendingRow(req, route, attempt + 1))).id;
        }
      },
    };
  }

  /**
   * The first usable route from `from` on (enabled throughout) whose circuit admits
   * a call, the ones skipped for an open circuit counted; when every usable route's
   * circuit is open, the first of them (a route that may fail beats none). Null when
   * none is usable.
   */
  private async pick(candidates: ReadonlyArray<() => Promise<Route>>, from: number): Promise<{ route: Route; index: number } | null> {
    let firstOpen: { route: Route; index: number } | null = null;
    const skipped: string[] = [];
    for (let i = from; i < candidates.length; i++) {
      const route = await candidates[i]();
      if (routeRefusal(route)) continue;
      if (this.breaker.admits(route.account.id)) {
        for (const account of skipped) this.breaker.skipped(account);
        return { route, index: i };
      }
      firstOpen ??= { route, index: i };
      skipped.push(route.account.id);
    }
    return firstOpen;
  }

  /**
   * The routes a send may take, in order, each loaded when it is needed: a route
   * plan's routes that serve the destination, or a binding's primary (looked up
   * again when a concurrent change removed a part, to name what is missing) and its
   * fallback (loaded only for a failover, as it always was).
   */
  private async candidates(req: SmsSendRequest, plan: SendPlan): Promise<Array<() => Promise<Route>>> {
    if (plan.kind === 'routes') {
      const country = destinationCountry(req);
      // The language: the caller's, else the destination country's; a route without a template in it sends its own.
      const wanted = [req.locale, countryLocale(country)];
      return plan.routes
        .filter((r) => r.route.countries === null || (country !== undefined && r.route.countries.includes(country)))
        .map((r) => async () => ({ account: r.account, template: chooseTemplate(r.template, r.localized, wanted), signature: r.signature }));
    }
    const { binding, template, signature, account } = plan.binding;
    const primary: Route = template && signature && account ? { template, signature, account } : await this.loadRoute(binding.templateId, binding.signatureId);
    const { fallbackTemplateId, fallbackSignatureId } = binding;
    const fallback = fallbackTemplateId && fallbackSignatureId ? [() => this.loadRoute(fallbackTemplateId, fallbackSignatureId)] : [];
    return [async () => primary, ...fallback];
  }

  private async loadRoute(templateId: string, signatureId: string): Promise<Route> {
    // Foreign keys keep these; a miss means a concurrent change, which is a configuration problem.
    const template = await this.repo.getTemplate(templateId);
    const signature = await this.repo.getSignature(signatureId);
    const account = await this.repo.getAccount(template.accountId);
    return { account, template, signature };
  }

  /**
   * One provider call, completing its send-log row (`rowId`, written before the
   * call). Accepted and unknown outcomes are results (the message may be on its
   * way); only a refusal, where no message can have left, is not.
   */
  private async attempt(
    req: SmsSendRequest,
    route: Route,
    rowId: string,
  ): Promise<{ ok: true; result: SmsSendResult } | { ok: false; refusal: SmsRefused; messageId: string }> {
    const { account, template, signature } = route;
    const params = providerParams(req.params, template.codeParam);
    const started = performance.now();
    const outcome = storable(req.phone, await this.callProvider(account, {
      phone: req.phone,
      signName: signature?.signName ?? '',
      templateCode: template.templateCode,
      params,
      ...(template.content
        ? { text: `${signature ? `【${signature.signName}】` : ''}${renderTemplate(template.content, params)}`, body: renderTemplate(template.content, params) }
        : {}),
    }));
    const elapsedMs = performance.now() - started;
    const latencyMs = Math.round(elapsedMs);
    const kind = outcome.ok ? 'accepted' : outcome.unknown ? 'unknown' : 'refused';
    // The account's health: transient refusals and unknown outcomes count against it, any answer else for it.
    this.breaker.record(account.id, outcome.ok || (!outcome.unknown && !outcome.transient) ? 'ok' : 'failed');
    this.metrics.smsSent({
      app: req.appId,
      scene: req.scene,
      country: req.country,
      account: account.id,
      outcome: outcome.ok || outcome.unknown ? kind : outcome.error,
      kind,
      seconds: elapsedMs / 1000,
    });
    const logged: LoggedOutcome = {
      status: LOG_STATUS[kind],
      bizId: outcome.ok ? outcome.bizId : null,
      error: outcome.ok || outcome.unknown ? null : outcome.error,
      providerCode: outcome.providerCode,
      providerMessage: outcome.providerMessage,
      latencyMs,
      completedAt: this.clock.now(),
    };
    try {
      await this.repo.completeMessage(rowId, logged);
    } catch (err) {
      // The provider has answered: what it did stands, and the log must come to say so. Left `sending`
      // after a moment without the database, the row was closed by the sweeper as `unknown`, without
      // the provider's message id that receipts, polls and delivery webhooks match it by.
      this.held.hold(rowId, logged, err);
      // A refusal sent nothing: the send fails on the database's error, as at any other step.
      if (kind === 'refused') throw err;
    }
    if (outcome.ok) return { ok: true, result: { messageId: rowId, provider: account.provider, bizId: outcome.bizId, status: 'sent' } };
    if (outcome.unknown) return { ok: true, result: { messageId: rowId, provider: account.provider, bizId: null, status: 'unknown' } };
    return { ok: false, refusal: outcome, messageId: rowId };
  }

  /**
   * The provider's answer, bounded by the account's timeout. Past it, or when the
   * provider throws, the outcome is unknown: the request may have reached it.
   */
  private async callProvider(
    account: SmsAccountEntity,
    message: { phone: string; signName: string; templateCode: string; params: Record<string, string>; text?: string; body?: string },
  ): Promise<SmsProviderOutcome> {
    let connection: SmsAccountConnection;
    try {
      connection = this.connections.get(account);
    } catch {
      return { ok: false, error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false, providerCode: null, providerMessage: 'credentials do not decrypt' };
    }
    const provider = this.providers.get(account.provider);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SmsProviderOutcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, unknown: true, providerCode: 'Timeout', providerMessage: `no answer in ${connection.timeoutMs} ms` }),
        connection.timeoutMs + TIMEOUT_SLACK_MS,
      );
    });
    try {
      return await Promise.race([
        provider.send({ account: connection, ...message }).catch(
          (err: unknown): SmsProviderOutcome => ({
            ok: false,
            unknown: true,
            providerCode: err instanceof Error ? err.name : 'Error',
            providerMessage: err instanceof Error ? err.message.slice(0, 500) : null,
          }),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The row of an attempt about to call the provider. */
  private sendingRow(req: SmsSendRequest, route: Route, attempt: number): NewSmsMessage {
    return this.row(req, route, attempt, 'sending', null, null);
  }

  /** A send refused before any provider call still leaves a row, so operators see why codes do not arrive. */
  private async logRefusal(req: SmsSendRequest, route: Route | null, error: ErrorName): Promise<void> {
    const now = this.clock.now();
    await this.repo.insertMessage(this.row(req, route, 1, 'failed', error, now));
  }

  /**
   * A send-log row, written out whole: on Node 20 a literal that spreads a fresh
   * object and then adds keys takes V8's slow path (about 5 µs for this row,
   * against 80 ns written out).
   */
  private row(req: SmsSendRequest, route: Route | null, attempt: number, status: SmsMessageStatus, error: ErrorName | null, completedAt: Date | null): NewSmsMessage {
    return {
      appId: req.appId,
      scene: req.scene,
      phone: req.phone,
      country: req.country ?? null,
      origin: req.origin.slice(0, 32),
      attempt,
      provider: route?.account.provider ?? null,
      accountId: route?.account.id ?? null,
      templateCode: route?.template.templateCode ?? null,
      signName: route?.signature?.signName ?? null,
      bizId: null,
      providerCode: null,
      providerMessage: null,
      latencyMs: null,
      createdAt: this.clock.now(),
      status,
      error,
      completedAt,
    };
  }
}

/** Why a route must not be used, checked before any provider call. */
function routeRefusal(route: Route): ErrorName | null {
  if (route.account.status !== 'enabled') return 'SMS_ACCOUNT_DISABLED';
  if (route.signature && route.signature.status !== 'enabled') return 'SMS_SIGNATURE_DISABLED';
  if (route.template.status !== 'enabled') return 'SMS_TEMPLATE_DISABLED';
  return null;
}

/** The destination's ISO 3166-1 region: the caller's, else read from the number. */
function destinationCountry(req: SmsSendRequest): string | undefined {
  return req.country ?? parsePhoneNumberFromString(req.phone)?.country;
}

/** The caller's `code` goes under the template's own parameter name. */
function providerParams(params: Record<string, string>, codeParam: string): Record<string, string> {
  if (codeParam === 'code' || !Object.hasOwn(params, 'code')) return { ...params };
  const { code, ...rest } = params;
  return { ...rest, [codeParam]: code };
}

function toDomainError(a: { refusal: SmsRefused; messageId: string }): DomainError {
  return new DomainError(a.refusal.error, { data: { message_id: a.messageId, provider_code: a.refusal.providerCode } });
}

/**
 * A provider's answer to a send to `phone` as it may be stored and shown: its
 * fields are a remote end's text (a NUL, an object where a string belongs, a
 * megabyte-long id). An id that is no printable one of at most 128 characters is
 * none: the message went, but cannot be tracked. The message loses the number it
 * quotes (Twilio's 21614: "'To' number +86… is not a valid mobile number"), before
 * it is cut so that no part of it stays: the row's number is hashed and erased in
 * its own column, and the text must not keep it.
 */
function storable(phone: string, outcome: SmsProviderOutcome): SmsProviderOutcome {
  const providerCode = storableText(outcome.providerCode, 128);
  const providerMessage = storableText(maskNumber(outcome.providerMessage, phone), 1000);
  return outcome.ok ? { ...outcome, bizId: storableId(outcome.bizId), providerCode, providerMessage } : { ...outcome, providerCode, providerMessage };
}
