// The ordered list of migrations; both PGlite and Postgres run exactly these.
import { InitialSchema1763900000000 } from './1763900000000-InitialSchema.js';
import { SmsDelivery1763900100000 } from './1763900100000-SmsDelivery.js';
import { Captchas1763900900000 } from './1763900900000-Captchas.js';
import { RequestNonces1763900910000 } from './1763900910000-RequestNonces.js';
import { UsersSessionsCodesLimits1764000000000 } from './1764000000000-UsersSessionsCodesLimits.js';
import { UpdatePhoneTokens1764100000000 } from './1764100000000-UpdatePhoneTokens.js';
import { SmsMessageUnknown1764200000000 } from './1764200000000-SmsMessageUnknown.js';
import { OperatorLoginFailures1764310000000 } from './1764310000000-OperatorLoginFailures.js';
import { NormalisedUserPhones1764320000000 } from './1764320000000-NormalisedUserPhones.js';
import { SmsDeliveryReceipts1764330000000 } from './1764330000000-SmsDeliveryReceipts.js';
import { SendStatistics1764340000000 } from './1764340000000-SendStatistics.js';
import { Webhooks1764360000000 } from './1764360000000-Webhooks.js';
import { Retention1764370000000 } from './1764370000000-Retention.js';
import { FraudBuckets1764380000000 } from './1764380000000-FraudBuckets.js';
import { AppChallenges1764390000000 } from './1764390000000-AppChallenges.js';
import { SmsProviderTypes1764400000000 } from './1764400000000-SmsProviderTypes.js';
import { OperatorRoles1764410000000 } from './1764410000000-OperatorRoles.js';
import { SendSlotRefusal1764420000000 } from './1764420000000-SendSlotRefusal.js';
import { SessionEnds1764430000000 } from './1764430000000-SessionEnds.js';
import { KeyCheck1764440000000 } from './1764440000000-KeyCheck.js';

export const MIGRATIONS = [
  InitialSchema1763900000000,
  SmsDelivery1763900100000,
  Captchas1763900900000,
  RequestNonces1763900910000,
  UsersSessionsCodesLimits1764000000000,
  UpdatePhoneTokens1764100000000,
  SmsMessageUnknown1764200000000,
  OperatorLoginFailures1764310000000,
  NormalisedUserPhones1764320000000,
  SmsDeliveryReceipts1764330000000,
  SendStatistics1764340000000,
  Webhooks1764360000000,
  Retention1764370000000,
  FraudBuckets1764380000000,
  AppChallenges1764390000000,
  SmsProviderTypes1764400000000,
  OperatorRoles1764410000000,
  SendSlotRefusal1764420000000,
  SessionEnds1764430000000,
  KeyCheck1764440000000,
];
