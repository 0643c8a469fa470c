import { QueryFailedError } from 'typeorm';
import { errorWithoutValues } from './error-serializer.js';

describe('errorWithoutValues', () => {
  it('logs a failed statement\'s error, its query and its cause, without the values it was given', () => {
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', parameters: ['+8613854348617'] });
    const err = new QueryFailedError('UPDATE sms_messages SET provider_message = $2 WHERE id = $1', ['id-1', '+8613854348617'], driverError);
    const logged = errorWithoutValues(err);
    expect(logged).toMatchObject({ type: 'QueryFailedError', message: expect.stringContaining('0x00'), query: expect.stringContaining('UPDATE sms_messages'), code: '22021' });
    expect(JSON.stringify(logged)).not.toContain('13854348617');
  });
});
