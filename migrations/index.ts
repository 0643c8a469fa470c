// The ordered list of migrations; both PGlite and Postgres run exactly these.
import { InitialSchema1763900000000 } from './1763900000000-InitialSchema.js';
import { SmsDelivery1763900100000 } from './1763900100000-SmsDelivery.js';
import { UsersSessionsCodesLimits1764000000000 } from './1764000000000-UsersSessionsCodesLimits.js';

export const MIGRATIONS = [InitialSchema1763900000000, SmsDelivery1763900100000, UsersSessionsCodesLimits1764000000000];
