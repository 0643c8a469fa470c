import { enduserSendParams } from './support/enduser.js';
import { FailingSmsProvider } from './support/sms.js';
import { createSmsApp, useSmsTestApp } from './support/v1.js';

/*
 * The enduser (seed 003) codes no other spec triggers. Not here, because no request
 * to the two enduser endpoints can meet their condition:
 * - 403: neither endpoint checks a login config or a role.
 * - 5001: every validation failure of these endpoints names one of their parameters,
 *   each of which has a code of its own (5002-5006, 5019, 5021, 5023, 5116, 5162-5169, 5174);
 *   UPDATE_PHONE_TOKEN_INVALID, the other 5001, belongs to the Authing routes.
 * - 5126/5216: a binding whose signature and template span two accounts or differ in
 *   type is refused by the admin API when it is made, a send does not check again,
 *   and neither the account nor the type of a template or signature can change later.
 * - 5170: the swap changing no row needs the user deregistered between setPhone's
 *   user check and its UPDATE (a race); a deregistered user's token is already
 *   refused (5032) before setPhone starts.
 */

const PATH = '/v2/sms/enduserapi/v2/sendPhoneSmsCode';

describe('enduser (seed 003) error codes', () => {
  const sms = new FailingSmsProvider();
  const s = useSmsTestApp({ sms });
  let seq = 0;
  const nextPhone = () => `1340000${String(++seq).padStart(4, '0')}`;
  const send = (query: object) => s.t.http.post(PATH).query(query).expect(200);

  beforeEach(() => {
    sms.fail = null;
    sms.clear();
    s.t.clock.reset();
  });

  it('answers 5009 for a number outside allowed_country_codes, and sends nothing', async () => {
    const a = await createSmsApp(s.t, { code_policy: { allowed_country_codes: ['US'] } });
    expect((await send(enduserSendParams(s.t, a, nextPhone()))).body).toEqual({ code: 5009, msg: '不支持该国家或地区的手机号', extMsg: '', data: {} });
    expect(sms.messages).toEqual([]);
  });

  it.each([
    ['SMS_SIGNATURE_NOT_FOUND', 5202, '企业短信签名不存在'],
    ['SMS_TEMPLATE_NOT_FOUND', 5209, '企业短信模板不存在'],
  ] as const)('answers the provider refusing the configuration (%s) with %i', async (error, code, msg) => {
    sms.fail = error;
    expect((await send(enduserSendParams(s.t, s.app, nextPhone()))).body).toEqual({ code, msg, extMsg: '', data: {} });
  });
});
