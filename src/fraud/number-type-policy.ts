import { type CodePolicy } from '../apps/app-settings.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type ParsedPhone } from '../common/phone/phone.js';

/**
 * The app's number-type policy: a number whose type the app refuses (premium-rate,
 * shared-cost, toll-free… — where SMS pumping sends its traffic, and where no one
 * reads a code) gets no code. Asked before anything is counted. `MOBILE` and
 * `FIXED_LINE_OR_MOBILE` cannot be refused (the DTO allows neither in the list):
 * many plans, the North American one first, cannot tell a mobile from a landline.
 */
export function assertNumberTypeAllowed(policy: Pick<CodePolicy, 'refused_number_types'>, phone: ParsedPhone): void {
  if ((policy.refused_number_types as readonly string[]).includes(phone.type)) {
    throw new DomainError('PHONE_TYPE_NOT_ALLOWED', { data: { number_type: phone.type } });
  }
}
