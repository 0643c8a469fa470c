import { useSmsTestApp } from './support/v1.js';

describe('Authing v3 (seed 002): the error envelope', () => {
  const s = useSmsTestApp();

  const envelope = (statusCode: number, apiCode: number) => ({ statusCode, apiCode, message: expect.any(String), requestId: expect.any(String), data: expect.any(Object) });

  it('answers every error with a statusCode, an apiCode and a requestId: HTTP 200 from an endpoint, the transport status otherwise', async () => {
    const badJson = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).set('content-type', 'application/json').send('{"channel":');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual(envelope(400, 10002));

    const missing = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).send({ channel: 'CHANNEL_LOGIN' }).expect(200);
    expect(missing.body).toEqual(envelope(400, 10001));
    expect(missing.body.data.field).toBe('phoneNumber');

    const badPhone = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: '12' }).expect(200);
    expect(badPhone.body).toEqual(envelope(400, 10001));
    expect(badPhone.body.data.field).toBe('phoneNumber');
    const badCountry = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000001', phoneCountryCode: '+0' }).expect(200);
    expect(badCountry.body.data.field).toBe('phoneCountryCode');

    const unknownApp = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', 'nope').send({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000001' }).expect(200);
    expect(unknownApp.body).toEqual(envelope(404, 20005));

    const noRoute = await s.t.http.post('/api/v3/nothing-here').send({}).expect(404);
    expect(noRoute.body).toEqual(envelope(404, 10005));

    const noToken = await s.t.http.post('/api/v3/verify-update-phone-request').set('x-authing-app-id', s.app.appkey).send({ verifyMethod: 'EMAIL_PASSCODE' }).expect(200);
    expect(noToken.body).toEqual(envelope(401, 20001));
    expect(s.sms.messages).toHaveLength(0);
  });
});
