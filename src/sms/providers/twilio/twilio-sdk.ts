import twilioSdk from 'twilio';

// The SDK is CommonJS with `module.exports = TwilioSDK` (a function with the classes on it):
// native ESM's default import is that function; the test runner's interop may wrap it once more.
export type TwilioSdk = typeof twilioSdk;

/** The official Twilio SDK: its client factory, with its classes and webhook helpers on it. */
export const sdk: TwilioSdk = typeof twilioSdk === 'function' ? twilioSdk : (twilioSdk as unknown as { default: TwilioSdk }).default;
