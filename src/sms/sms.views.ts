import { twilioCallbackUrl } from './providers/twilio/twilio-receipts.js';
import { type SmsAccountEntity } from './sms-account.entity.js';
import { type SmsBindingEntity } from './sms-binding.entity.js';
import { type SmsMessageEntity } from './sms-message.entity.js';
import { type SmsRouteEntity } from './sms-route.entity.js';
import { type SmsSignatureEntity } from './sms-signature.entity.js';
import { type SmsTemplateEntity } from './sms-template.entity.js';

/**
 * What the admin API shows of an account: never the secret, the AccessKey id
 * masked; for a Twilio account, where its Messages ask Twilio to post their
 * statuses (under `publicUrl`, PUBLIC_URL), or null when they are polled.
 */
export function smsAccountView(a: SmsAccountEntity, publicUrl: string | undefined) {
  return {
    id: a.id,
    name: a.name,
    provider: a.provider,
    access_key_id: a.accessKeyIdMasked,
    credential_id: a.accessKeyIdMasked,
    settings: { ...a.settings },
    has_credentials: a.credentialsEnc !== null,
    has_receipt_token: a.receiptTokenHash !== null,
    status_callback_url: a.provider === 'twilio' && publicUrl ? twilioCallbackUrl(publicUrl, a.id) : null,
    endpoint: a.endpoint,
    protocol: a.protocol,
    timeout_ms: a.timeoutMs,
    status: a.status,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

export function smsSignatureView(s: SmsSignatureEntity) {
  return {
    id: s.id,
    account_id: s.accountId,
    sign_name: s.signName,
    type: s.type,
    status: s.status,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

export function smsTemplateView(t: SmsTemplateEntity) {
  return {
    id: t.id,
    account_id: t.accountId,
    template_code: t.templateCode,
    scene: t.scene,
    code_param: t.codeParam,
    content: t.content,
    type: t.type,
    locale: t.locale,
    status: t.status,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function smsBindingView(b: SmsBindingEntity) {
  return {
    id: b.id,
    app_id: b.appId,
    scene: b.scene,
    template_id: b.templateId,
    signature_id: b.signatureId,
    fallback_template_id: b.fallbackTemplateId,
    fallback_signature_id: b.fallbackSignatureId,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}

export function smsMessageView(m: SmsMessageEntity) {
  return {
    id: m.id,
    app_id: m.appId,
    scene: m.scene,
    phone: m.phone,
    origin: m.origin,
    attempt: m.attempt,
    provider: m.provider,
    account_id: m.accountId,
    template_code: m.templateCode,
    sign_name: m.signName,
    status: m.status,
    biz_id: m.bizId,
    error: m.error,
    provider_code: m.providerCode,
    provider_message: m.providerMessage,
    latency_ms: m.latencyMs,
    created_at: m.createdAt.toISOString(),
    completed_at: m.completedAt?.toISOString() ?? null,
    delivery_status: m.deliveryStatus,
    delivery_code: m.deliveryCode,
    delivery_reported_at: m.deliveryReportedAt?.toISOString() ?? null,
  };
}

/** A scene's routes, in order. */
export function smsRoutesView(appId: string, scene: string, routes: readonly SmsRouteEntity[]) {
  return {
    app_id: appId,
    scene,
    routes: routes.map((r) => ({ position: r.position, template_id: r.templateId, signature_id: r.signatureId, countries: r.countries })),
  };
}
