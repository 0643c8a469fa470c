import { DomainError } from '../../common/errors/domain-error.js';
import { type ParsedPhone } from '../../common/phone/phone.js';
import { type VerificationService } from '../../verification/verification.service.js';

/** parsePhone, with the fault named by seed 003's parameter names instead of mcode/mobile. */
export function parseEnduserPhone(
  verification: VerificationService,
  code: string,
  phone: string,
  names: { mcode: string; mobile: string },
): ParsedPhone {
  try {
    return verification.parsePhone(code, phone);
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== 'VALIDATION_FAILED') throw err;
    const field = err.details.field === 'mcode' ? names.mcode : names.mobile;
    throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isPhone', message: `${field} must be valid` });
  }
}
