import { type TestingModuleBuilder } from '@nestjs/testing';
import { type ErrorName } from '../../src/common/errors/error-registry.js';
import { SCENES, type Scene } from '../../src/common/scenes.js';
import { ConsoleSmsProvider } from '../../src/sms/providers/console/console-sms.provider.js';
import { SmsProvider, type SmsProviderMessage, type SmsProviderOutcome } from '../../src/sms/providers/sms-provider.js';
import type { TestApp } from './test-app.js';

export interface RecordedSms {
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  text?: string;
}

/** A provider fake at the network edge: records every message instead of sending it. */
export class RecordingSmsProvider extends SmsProvider {
  readonly name = 'console' as const;
  readonly messages: RecordedSms[] = [];
  private seq = 0;

  async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    this.messages.push({
      phone: message.phone,
      signName: message.signName,
      templateCode: message.templateCode,
      params: { ...message.params },
      ...(message.text !== undefined ? { text: message.text } : {}),
    });
    return { ok: true, bizId: `rec-${++this.seq}`, providerCode: 'OK', providerMessage: null };
  }

  /** The `code` param of the newest message to this E.164 phone, if any. */
  lastCodeFor(phone: string): string | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (this.messages[i].phone === phone) return this.messages[i].params.code;
    }
    return undefined;
  }

  clear(): void {
    this.messages.length = 0;
  }
}

/** The recorder, answering a chosen provider failure (not transient) while `fail` is set. */
export class FailingSmsProvider extends RecordingSmsProvider {
  fail: ErrorName | null = null;

  override async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    if (this.fail) return { ok: false, error: this.fail, transient: false, providerCode: 'TEST', providerMessage: null };
    return super.send(message);
  }
}

/**
 * The recorder, taking each message (it is delivered) and answering nothing while
 * `hang` is set: the send's outcome is unknown to the service. `release()` answers
 * the held calls (accepted), for a clean end.
 */
export class HangingSmsProvider extends RecordingSmsProvider {
  hang = true;
  private held: Array<() => void> = [];

  override async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const accepted = await super.send(message);
    if (this.hang) await new Promise<void>((resolve) => this.held.push(resolve));
    return accepted;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** For startTestApp({ override }): makes the `console` provider record into `recorder`. */
export function withRecordingSms(recorder: RecordingSmsProvider): (b: TestingModuleBuilder) => TestingModuleBuilder {
  return (b) => b.overrideProvider(ConsoleSmsProvider).useValue(recorder);
}

export interface SmsSetup {
  accountId: string;
  signatureId: string;
  signName: string;
  /** Template id by scene. */
  templates: Partial<Record<Scene, { id: string; templateCode: string }>>;
}

/**
 * Through the admin API: a console-provider account with a signature, one
 * verification template per scene (code param `code`), and bindings of every
 * given scene (default: all SCENES) for the app.
 */
export async function configureSms(t: TestApp, appId: string, options: { scenes?: Scene[] } = {}): Promise<void> {
  await configureSmsDetailed(t, appId, options);
}

/** configureSms, answering the ids it created. */
export async function configureSmsDetailed(t: TestApp, appId: string, options: { scenes?: Scene[]; token?: string } = {}): Promise<SmsSetup> {
  const auth = { authorization: `Bearer ${options.token ?? (await t.adminToken())}` };
  const account = await t.http.post('/admin/sms/accounts').set(auth).send({ name: 'Console', provider: 'console' }).expect(201);
  const accountId = account.body.data.id as string;
  const signName = 'Passcode';
  const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth).send({ sign_name: signName, type: 'verification' }).expect(201);
  const setup: SmsSetup = { accountId, signatureId: sig.body.data.id, signName, templates: {} };
  for (const scene of options.scenes ?? SCENES) {
    const templateCode = `TPL_${scene.toUpperCase()}`;
    const tpl = await t.http
      .post(`/admin/sms/accounts/${accountId}/templates`)
      .set(auth)
      .send({ template_code: templateCode, scene, code_param: 'code', type: 'verification', content: `Your ${scene} code is \${code}.` })
      .expect(201);
    setup.templates[scene] = { id: tpl.body.data.id, templateCode };
    await t.http
      .put(`/admin/apps/${appId}/sms/bindings/${scene}`)
      .set(auth)
      .send({ template_id: tpl.body.data.id, signature_id: setup.signatureId })
      .expect(200);
  }
  return setup;
}
