import { parseAnswer } from './siteverify.client.js';

describe('parseAnswer (siteverify JSON, strictly)', () => {
  it('reads the three vendors\' answers, ignoring the fields it does not use', () => {
    expect(parseAnswer('{"success":true,"challenge_ts":"2026-01-01T00:00:00Z","hostname":"a.example","error-codes":[],"action":"login","cdata":"x","metadata":{"ephemeral_id":"e"}}')).toEqual({
      success: true, errorCodes: [], hostname: 'a.example', action: 'login', score: null,
    });
    expect(parseAnswer('{"success":true,"score":0.9,"action":"send","hostname":"a.example"}')).toMatchObject({ score: 0.9 });
    expect(parseAnswer('{"success":false,"error-codes":["invalid-input-response"]}')).toEqual({
      success: false, errorCodes: ['invalid-input-response'], hostname: null, action: null, score: null,
    });
    expect(parseAnswer('{"success":true,"hostname":null}')).toMatchObject({ success: true, hostname: null });
  });

  it.each([
    ['not JSON', '<html></html>'],
    ['empty', ''],
    ['null', 'null'],
    ['a list', '[{"success":true}]'],
    ['success missing', '{"hostname":"a"}'],
    ['success a string', '{"success":"true"}'],
    ['success a number', '{"success":1}'],
    ['error-codes not a list', '{"success":false,"error-codes":"bad"}'],
    ['error-codes not strings', '{"success":false,"error-codes":[null]}'],
    ['hostname a number', '{"success":true,"hostname":1}'],
    ['action an object', '{"success":true,"action":{}}'],
    ['score a string', '{"success":true,"score":"0.9"}'],
    ['score above 1', '{"success":true,"score":1.5}'],
    ['score below 0', '{"success":true,"score":-0.1}'],
  ])('refuses an answer with %s', (_what, text) => {
    expect(typeof parseAnswer(text)).toBe('string');
  });
});
