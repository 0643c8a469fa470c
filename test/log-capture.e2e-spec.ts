import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The test harness's log capture: each app's lines reach its own capture, not
 * the first app's of the test file (nestjs-pino builds one root logger per
 * process, with the first app's stream), so an assertion on a later app's logs
 * can fail.
 */
describe('log capture of a test file with several apps', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps.reverse()) await t.close();
  });

  it('gives the second app its service lines and its request lines', async () => {
    const first = await startTestApp();
    apps.push(first);
    const second = await startTestApp();
    apps.push(second);

    // A service line at boot: each database gets its first operator.
    expect(second.logs.text()).toContain('created the first operator');
    const res = await second.http.get('/admin/apps').expect(401);
    const id = res.headers['x-request-id'];
    expect(second.logs.lines()).toContainEqual(expect.objectContaining({ msg: 'request completed', reqId: id }));
    expect(first.logs.text()).not.toContain(id);
  });

  it('logs at the level of each app', async () => {
    const quiet = await startTestApp({ env: { LOG_LEVEL: 'error' } });
    apps.push(quiet);
    await quiet.http.get('/admin/apps').expect(401);
    expect(quiet.logs.text()).toBe('');
  });
});
