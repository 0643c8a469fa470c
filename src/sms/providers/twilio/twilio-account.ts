import type { ProviderAccountSpec } from '../provider-accounts.js';

/**
 * A Twilio account: its Account SID and Auth Token, and who messages come from —
 * a sender (`from`: an E.164 number or an alphanumeric sender id) or a Messaging
 * Service (`messaging_service_sid`), one of the two.
 */
export const TWILIO_ACCOUNT: ProviderAccountSpec = {
  credentials: {
    account_sid: { pattern: /^AC[0-9a-fA-F]{32}$/, hint: 'an Account SID (AC and 32 hex digits)' },
    auth_token: { pattern: /^[\x21-\x7e]{16,128}$/, hint: 'an Auth Token (16 to 128 printable characters)' },
  },
  credentialId: 'account_sid',
  credentialsRequired: true,
  settings: {
    from: { pattern: /^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/, hint: 'an E.164 number (+14155550100) or an alphanumeric sender id of at most 11 characters' },
    messaging_service_sid: { pattern: /^MG[0-9a-fA-F]{32}$/, hint: 'a Messaging Service SID (MG and 32 hex digits)' },
  },
  checkSettings(settings) {
    if (settings.from !== undefined && settings.messaging_service_sid !== undefined) {
      return { field: 'messaging_service_sid', message: 'give settings.from or settings.messaging_service_sid, not both' };
    }
    if (settings.from === undefined && settings.messaging_service_sid === undefined) {
      return { field: 'from', message: 'twilio accounts need settings.from or settings.messaging_service_sid' };
    }
    return null;
  },
};
