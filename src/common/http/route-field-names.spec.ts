import { DomainError } from '../errors/domain-error.js';
import { withFieldName } from './route-field-names.js';

describe('withFieldName', () => {
  const names = { oldMobile: 'oldPhone', newCode: 'newPhoneCode' };

  it('names the role with the route’s field, in the field and at the head of the message', () => {
    const named = withFieldName(new DomainError('VALIDATION_FAILED', { role: 'oldMobile', constraint: 'isCurrentPhone', message: 'oldMobile is not the user’s phone' }), names);
    expect(named.code).toBe('VALIDATION_FAILED');
    expect(named.details).toEqual({ field: 'oldPhone', constraint: 'isCurrentPhone', message: 'oldPhone is not the user’s phone' });
    expect(named.message).toBe('oldPhone is not the user’s phone');
  });

  it('keeps the rest of the details and the registry message when there is none of its own', () => {
    const named = withFieldName(new DomainError('CODE_WRONG', { role: 'newCode', retryAfterS: 3 }), names);
    expect(named.details).toEqual({ field: 'newPhoneCode', retryAfterS: 3 });
    expect(named.message).toBe(new DomainError('CODE_WRONG').message);
  });

  it('falls back to the role where the route names none, and leaves errors without a role alone', () => {
    expect(withFieldName(new DomainError('USER_NOT_FOUND', { role: 'newMobile' }), names).details).toEqual({ field: 'newMobile' });
    expect(withFieldName(new DomainError('USER_NOT_FOUND', { role: 'newMobile' }), undefined).details).toEqual({ field: 'newMobile' });
    const plain = new DomainError('VALIDATION_FAILED', { field: 'mobile', message: 'mobile must be valid' });
    expect(withFieldName(plain, names)).toBe(plain);
  });
});
