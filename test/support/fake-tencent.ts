import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** How the fake answers the next SendSms requests. */
export type FakeTencentReply =
  /** Accepts the message. */
  | { kind: 'ok' }
  /** HTTP 200, the request taken, the number refused: `SendStatusSet[0].Code` (`LimitExceeded.PhoneNumberDailyLimit`, …). */
  | { kind: 'status'; code: string; message?: string }
  /** HTTP 200 with `Response.Error` (`FailedOperation.InsufficientBalanceInSmsPackage`, `InternalError.Timeout`, …). */
  | { kind: 'error'; code: string; message?: string }
  /** A bare HTTP status with no Tencent body (a gateway in between): a short HTML page, or `page` bytes of one. */
  | { kind: 'http'; status: number; page?: number }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'garbage' }
  /** HTTP 200 as a server-sent event stream of `bytes` bytes, which the SDK hands back unread. */
  | { kind: 'event-stream'; bytes: number }
  /** Accepts the connection and never answers. */
  | { kind: 'hang' }
  /** Reads the whole request, then drops the connection without an answer. */
  | { kind: 'reset' }
  /** Answers 307 to `location`, as a hijacked or misconfigured endpoint could. */
  | { kind: 'redirect'; location: string };

export interface FakeTencentRequest {
  action: string | null;
  version: string | null;
  region: string | null;
  secretId: string | null;
  /** Whether the TC3-HMAC-SHA256 signature matched the SecretKey of `secretId` (and its scope the request). */
  signatureValid: boolean;
  body: Record<string, unknown> | null;
  headers: Record<string, string | string[] | undefined>;
  /** When the fake read it (Date.now()). */
  at: number;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** How far X-TC-Timestamp may be from the fake's clock, as Tencent allows (five minutes). */
const MAX_SKEW_S = 300;

/**
 * A local stand-in for sms.tencentcloudapi.com (API 2021-01-11): verifies each
 * request's TC3-HMAC-SHA256 signature from Tencent's documented algorithm (not
 * the SDK's code) against the keys it knows, records every request, and answers as
 * told. The credential scope's service must be the first label of the host the
 * request was sent to, as Tencent derives it (`sms` for sms.tencentcloudapi.com;
 * the SDK signs the same label of whatever endpoint it is given), and the
 * canonical `host` header is the host without its port, as the SDK signs it.
 */
/** A status report the fake holds, as PullSmsSendStatusByPhoneNumber returns one. */
export interface FakeTencentStatus {
  PhoneNumber: string;
  SerialNo: string;
  ReportStatus: 'SUCCESS' | 'FAIL';
  Description: string;
  /** Seconds since the epoch. */
  UserReceiveTime: number;
}

export class FakeTencent {
  readonly requests: FakeTencentRequest[] = [];
  /** The carriers' reports, for PullSmsSendStatusByPhoneNumber. */
  readonly statuses: FakeTencentStatus[] = [];
  connections = 0;
  /** Whether each connection, in the order accepted, is still open. */
  private readonly stillOpen: boolean[] = [];
  reply: FakeTencentReply = { kind: 'ok' };
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly keys: Record<string, string>,
  ) {}

  /** `keys`: SecretId → SecretKey the fake accepts. */
  static async start(keys: Record<string, string>): Promise<FakeTencent> {
    let fake!: FakeTencent;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakeTencent(server, keys);
    server.on('connection', (socket) => {
      const index = fake.connections++;
      fake.stillOpen[index] = true;
      socket.once('close', () => (fake.stillOpen[index] = false));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** How many of the connections accepted after the first `since` are still open. */
  openSince(since: number): number {
    return this.stillOpen.slice(since).filter(Boolean).length;
  }

  /** `127.0.0.1:PORT`, for an account's endpoint (with protocol `http`). */
  get endpoint(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : null;
    };
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      body = null;
    }
    const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(header('authorization') ?? '');
    const secretId = m?.[1] ?? null;
    const secretKey = secretId !== null ? this.keys[secretId] : undefined;
    const check = m && secretKey !== undefined ? this.verify(req, raw, { date: m[2], service: m[3], signedHeaders: m[4], signature: m[5] }, secretKey) : 'no signature';
    const signatureValid = check === null;
    this.requests.push({
      action: header('x-tc-action'), version: header('x-tc-version'), region: header('x-tc-region'), secretId, signatureValid, body, headers: req.headers, at: Date.now(),
    });

    const requestId = `req-${++this.seq}`;
    const answer = (response: Record<string, unknown>) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Response: { ...response, RequestId: requestId } }));
    };
    const error = (code: string, message: string) => answer({ Error: { Code: code, Message: message } });
    if (secretKey === undefined) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
    if (check === 'expired') return error('AuthFailure.SignatureExpire', 'Signature expired.');
    if (!signatureValid) return error('AuthFailure.SignatureFailure', `The provided credentials could not be validated (${check}).`);
    if (header('x-tc-version') !== '2021-01-11') return error('InvalidAction', 'unknown action');
    if (header('x-tc-action') === 'PullSmsSendStatusByPhoneNumber') return answer(this.pull(body));
    if (header('x-tc-action') !== 'SendSms') return error('InvalidAction', 'unknown action');
    const phones = Array.isArray(body?.PhoneNumberSet) ? (body.PhoneNumberSet as string[]) : [];

    const reply = this.reply;
    switch (reply.kind) {
      case 'ok':
        return answer({
          SendStatusSet: phones.map((phone) => ({
            SerialNo: `2645:${this.seq}${'0'.repeat(10)}`, PhoneNumber: phone, Fee: 1, SessionContext: '', Code: 'Ok', Message: 'send success', IsoCode: 'CN',
          })),
        });
      case 'status':
        return answer({
          SendStatusSet: phones.map((phone) => ({ SerialNo: '', PhoneNumber: phone, Fee: 0, SessionContext: '', Code: reply.code, Message: reply.message ?? reply.code, IsoCode: 'CN' })),
        });
      case 'error':
        return error(reply.code, reply.message ?? reply.code);
      case 'http':
        res.writeHead(reply.status, { 'content-type': 'text/html' });
        res.end(reply.page ? `<html>${'x'.repeat(reply.page - 13)}</html>` : `<html>${reply.status}</html>`);
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>502 Bad Gateway</html>');
        return;
      case 'event-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${'x'.repeat(reply.bytes - 8)}\n\n`);
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'redirect':
        res.writeHead(307, { location: reply.location });
        res.end();
        return;
    }
  }

  /**
   * PullSmsSendStatusByPhoneNumber: the reports of one number received from BeginTime
   * (to EndTime), at most Limit (1-100) of them, with Offset 0 as Tencent requires.
   */
  private pull(body: Record<string, unknown> | null): Record<string, unknown> {
    const invalid = (what: string) => ({ Error: { Code: 'InvalidParameterValue', Message: what } });
    const { BeginTime: begin, EndTime: end, Offset: offset, Limit: limit, PhoneNumber: phone, SmsSdkAppId: app } = body ?? {};
    if (typeof begin !== 'number' || (end !== undefined && typeof end !== 'number')) return invalid('BeginTime, EndTime');
    if (offset !== 0 || typeof limit !== 'number' || limit < 1 || limit > 100) return invalid('Offset, Limit');
    if (typeof phone !== 'string' || !/^\+[1-9]\d{6,14}$/.test(phone) || typeof app !== 'string' || !app) return invalid('PhoneNumber, SmsSdkAppId');
    const found = this.statuses.filter((s) => s.PhoneNumber === phone && s.UserReceiveTime >= begin && (end === undefined || s.UserReceiveTime <= (end as number)));
    return {
      PullSmsSendStatusSet: found.slice(0, limit).map((s) => ({ ...s, CountryCode: '86', SubscriberNumber: phone.replace(/^\+86/, ''), SessionContext: '' })),
    };
  }

  /**
   * Tencent's TC3-HMAC-SHA256 (Signature v3): the canonical request (method, URI,
   * query, each signed header `name:value` lower-cased and trimmed, the signed
   * header names, the hex SHA-256 of the body), the string to sign (algorithm,
   * timestamp, credential scope, the canonical request's hash), the signing key
   * derived as HMAC(HMAC(HMAC("TC3"+SecretKey, date), service), "tc3_request").
   * Answers null when the signature holds, else what failed.
   */
  private verify(
    req: IncomingMessage,
    body: Buffer,
    auth: { date: string; service: string; signedHeaders: string; signature: string },
    secretKey: string,
  ): string | null {
    const timestamp = Number(req.headers['x-tc-timestamp']);
    if (!Number.isInteger(timestamp)) return 'no X-TC-Timestamp';
    if (Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) return 'expired';
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== auth.date) return 'credential date is not the timestamp\'s';
    const hostname = String(req.headers.host ?? '').replace(/:\d+$/, '');
    if (auth.service !== hostname.split('.')[0]) return 'credential service is not the host\'s';
    const names = auth.signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('content-type')) return 'host and content-type must be signed';
    const url = new URL(req.url ?? '/', 'http://fake');
    const canonicalHeaders = names
      .map((name) => `${name}:${(name === 'host' ? hostname : String(req.headers[name] ?? '')).trim().toLowerCase()}\n`)
      .join('');
    const canonical = [req.method, url.pathname, url.search.slice(1), canonicalHeaders, auth.signedHeaders, sha256Hex(body)].join('\n');
    const scope = `${auth.date}/${auth.service}/tc3_request`;
    const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256Hex(canonical)].join('\n');
    const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, auth.date), auth.service), 'tc3_request');
    return createHmac('sha256', signingKey).update(stringToSign).digest('hex') === auth.signature ? null : 'signature mismatch';
  }
}
