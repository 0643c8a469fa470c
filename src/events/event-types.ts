/**
 * Every event an app's webhook endpoints may subscribe to, with what it reports.
 * The Record makes a new type without a description fail the type check.
 */
export const WEBHOOK_EVENTS = {
  'verification.sent': 'A code was issued and its SMS handed to the provider (data: verification_id, scene, phone, expires_at).',
  'verification.approved': 'A code was checked and approved, in the transaction that consumed it (data: verification_id, scene, phone).',
  'verification.failed':
    "A code can no longer be approved (data: verification_id, scene, phone, reason): its SMS could not be sent (`sms_not_sent`), or a wrong code spent its last attempt (`attempts_exhausted`).",
  'fraud.bucket_changed': "A fraud guard bucket of the app changed state (data: kind, key, from, to, until, reason, sends, approvals): a country or number range challenged, blocked or lifted.",
  'sms.delivered': 'The provider reported the SMS delivered (a delivery receipt, pushed or polled).',
  'sms.failed': 'The provider reported the SMS failed, with its delivery code.',
  'user.registered': 'An end user was created by their first login (data: user_id, phone).',
  'user.phone_changed': "An end user's number changed (data: user_id, phone).",
  'user.deregistered': 'An end user deregistered (data: user_id).',
} as const satisfies Record<string, string>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;

export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];
