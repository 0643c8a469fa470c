import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** How the fake answers the next requests. */
export type FakeAliyunReply =
  /** Accepts the message; after `delayMs` when given (a slow provider that still delivers). */
  | { kind: 'ok'; delayMs?: number }
  /** HTTP 200 with a business Code (`isv.BUSINESS_LIMIT_CONTROL`, …). */
  | { kind: 'business'; code: string; message?: string }
  /** Any HTTP status with an error Code (`Throttling.User`, `ServiceUnavailable`, …). */
  | { kind: 'http'; status: number; code: string }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'garbage' }
  /** Accepts the connection and never answers. */
  | { kind: 'hang' }
  /** Reads the whole request, then drops the connection without an answer. */
  | { kind: 'reset' }
  /** Answers OK, `afterMs` late (unless the caller has given up by then). */
  | { kind: 'slow'; afterMs: number }
  /** HTTP 200 with this JSON body, whatever it holds (a hostile or broken provider). */
  | { kind: 'answer'; body: unknown };

/** What QuerySendDetails says of a message: 1 awaiting the carrier, 2 failed, 3 delivered. */
export interface FakeAliyunDelivery {
  sendStatus: 1 | 2 | 3;
  errCode?: string;
  /** `yyyy-MM-dd HH:mm:ss`, China time. */
  receiveDate?: string;
}

export interface FakeAliyunRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  accessKeyId: string | null;
  /** Whether the ACS3-HMAC-SHA256 signature matched the secret of `accessKeyId`. */
  signatureValid: boolean;
}

/** encodeURIComponent that also escapes `!'()*`, as ACS3 canonicalization wants. */
function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A local stand-in for dysmsapi.aliyuncs.com: verifies the SDK's ACS3-HMAC-SHA256
 * signature against the secrets it knows, records every request, and answers
 * as told. Start one per test file (fresh port); `close()` drops open connections.
 */
export class FakeAliyun {
  readonly requests: FakeAliyunRequest[] = [];
  /** TCP connections accepted so far: a client that keeps its connections alive opens few. */
  connections = 0;
  reply: FakeAliyunReply = { kind: 'ok' };
  /** The number each accepted message went to, by BizId (as SendSms's PhoneNumbers). */
  readonly sent = new Map<string, string>();
  /** What QuerySendDetails answers for a BizId; a sent message with none is awaiting its report (1). */
  readonly deliveries = new Map<string, FakeAliyunDelivery>();
  /** When set, QuerySendDetails answers only once it resolves (a carrier query in flight). */
  detailsHeld?: Promise<void>;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly secrets: Record<string, string>,
  ) {}

  /** `secrets`: AccessKey id → secret the fake accepts. */
  static async start(secrets: Record<string, string>): Promise<FakeAliyun> {
    let fake!: FakeAliyun;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakeAliyun(server, secrets);
    server.on('connection', () => fake.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
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
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const auth = String(req.headers.authorization ?? '');
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]*),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/.exec(auth);
    const accessKeyId = m?.[1] ?? null;
    const secret = accessKeyId !== null ? this.secrets[accessKeyId] : undefined;
    const signatureValid = Boolean(m && secret !== undefined && this.sign(req, url, body, m[2], secret) === m[3]);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, accessKeyId, signatureValid });

    const json = (status: number, payload: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify({ RequestId: `req-${this.seq}`, ...payload }));
    };
    if (secret === undefined) return json(404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' });
    if (!signatureValid) {
      return json(400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' });
    }
    if (req.headers['x-acs-action'] === 'QuerySendDetails') {
      await this.detailsHeld;
      return json(200, this.sendDetails(query));
    }
    const reply = this.reply;
    switch (reply.kind) {
      case 'ok': {
        const bizId = `biz-${++this.seq}`;
        this.sent.set(bizId, query.PhoneNumbers);
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (res.destroyed) return;
        return json(200, { Code: 'OK', Message: 'OK', BizId: bizId });
      }
      case 'business':
        return json(200, { Code: reply.code, Message: reply.message ?? reply.code });
      case 'http':
        return json(reply.status, { Code: reply.code, Message: `fake ${reply.code}` });
      case 'answer':
        return json(200, reply.body as Record<string, unknown>);
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>502 Bad Gateway</html>');
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'slow': {
        const late = setTimeout(() => json(200, { Code: 'OK', Message: 'OK', BizId: `biz-${++this.seq}` }), reply.afterMs);
        res.on('close', () => clearTimeout(late));
        return;
      }
    }
  }

  /** QuerySendDetails: the record of a BizId sent to PhoneNumber, none for another number or an unknown BizId. */
  private sendDetails(query: Record<string, string>): Record<string, unknown> {
    const phone = this.sent.get(query.BizId);
    if (phone === undefined || phone !== query.PhoneNumber || !/^\d{8}$/.test(query.SendDate ?? '')) {
      return { Code: 'OK', Message: 'OK', TotalCount: 0, SmsSendDetailDTOs: { SmsSendDetailDTO: [] } };
    }
    const d = this.deliveries.get(query.BizId) ?? { sendStatus: 1 };
    const detail = { PhoneNum: phone, SendStatus: d.sendStatus, ErrCode: d.errCode ?? '', TemplateCode: 'SMS_100000001', Content: '', SendDate: '', ReceiveDate: d.receiveDate ?? '', OutId: '' };
    return { Code: 'OK', Message: 'OK', TotalCount: 1, SmsSendDetailDTOs: { SmsSendDetailDTO: [detail] } };
  }

  private sign(req: IncomingMessage, url: URL, body: Buffer, signedHeaders: string, secret: string): string {
    const query = [...url.searchParams.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v)}`)
      .join('&');
    const headerLines = signedHeaders
      .split(';')
      .map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`)
      .join('');
    const canonical = [req.method, url.pathname, query, headerLines, signedHeaders, sha256Hex(body)].join('\n');
    return createHmac('sha256', secret).update(`ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`).digest('hex');
  }
}
