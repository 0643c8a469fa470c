import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** How the fake answers the next message creations. */
export type FakeTwilioReply =
  /** Creates the message (201, status `queued`). */
  | { kind: 'ok' }
  /** A Twilio REST error: HTTP `status` with `{code, message, more_info, status}` (21211 at 400, 20429 at 429, …). */
  | { kind: 'error'; status: number; code: number; message?: string }
  /** A bare HTTP status with no Twilio body (a gateway in between). */
  | { kind: 'http'; status: number }
  /** Accepts the connection and never answers. */
  | { kind: 'hang' }
  /** Reads the whole request, then drops the connection without an answer. */
  | { kind: 'reset' };

export interface FakeTwilioRequest {
  method: string;
  path: string;
  /** The Basic auth user, when the header is Basic auth. */
  user: string | null;
  /** Whether Basic auth named a known Account SID with its Auth Token, and the path is that account's. */
  authValid: boolean;
  contentType: string | null;
  /** The form body's fields. */
  form: Record<string, string>;
}

/**
 * A local stand-in for api.twilio.com's Messages resource (API 2010-04-01):
 * checks HTTP Basic auth (Account SID : Auth Token) against the accounts it knows
 * and the form body (To; From or MessagingServiceSid, not both; Body), records
 * every request, and answers as told. Unknown paths are 404 with code 20404.
 */
/** What the fake answers for a Message fetched by its SID: its status as Twilio would have it by then. */
export interface FakeTwilioDelivery {
  status: string;
  errorCode?: number;
  dateUpdated?: Date;
}

export class FakeTwilio {
  readonly requests: FakeTwilioRequest[] = [];
  reply: FakeTwilioReply = { kind: 'ok' };
  /** The Messages created, by SID: their number, status at creation, sender and the StatusCallback they asked for. */
  readonly messages = new Map<string, { to: string; status: string; created: Date; from?: string; statusCallback?: string }>();
  /** Where a created Message has got to, by SID (a fetch answers its creation status otherwise). */
  readonly deliveries = new Map<string, FakeTwilioDelivery>();

  private constructor(
    private readonly server: Server,
    private readonly tokens: Record<string, string>,
  ) {}

  /** `tokens`: Account SID → Auth Token the fake accepts. */
  static async start(tokens: Record<string, string>): Promise<FakeTwilio> {
    let fake!: FakeTwilio;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakeTwilio(server, tokens);
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

  /**
   * The status callback Twilio would post for Message `sid` now at `status`: to the
   * StatusCallback its creation asked for, the form fields Twilio sends, and
   * X-Twilio-Signature as Twilio documents it (Base64 of the HMAC-SHA1, keyed by the
   * account's Auth Token, of the URL followed by each field's name and value, sorted
   * by name). Throws for a Message that asked for none.
   */
  statusCallback(sid: string, status: string, errorCode?: number): { url: string; fields: Record<string, string>; signature: string } {
    const message = this.messages.get(sid);
    if (!message?.statusCallback) throw new Error(`Message ${sid} asked for no status callback`);
    const accountSid = Object.keys(this.tokens)[0];
    const fields: Record<string, string> = {
      SmsSid: sid, SmsStatus: status, MessageStatus: status, To: message.to, MessageSid: sid, AccountSid: accountSid,
      From: message.from ?? '+14155550100', ApiVersion: '2010-04-01', ...(errorCode === undefined ? {} : { ErrorCode: String(errorCode) }),
    };
    return { url: message.statusCallback, fields, signature: twilioSignature(this.tokens[accountSid], message.statusCallback, fields) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : null;
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).entries());
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(String(req.headers.authorization ?? ''));
    const [user, ...rest] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [];
    const password = rest.join(':');
    const path = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages(?:\/(SM[0-9a-f]{32}))?\.json$/.exec(url.pathname);
    const authValid = Boolean(user && this.tokens[user] !== undefined && this.tokens[user] === password && path?.[1] === user);
    this.requests.push({ method: req.method ?? '', path: url.pathname, user: user ?? null, authValid, contentType, form });

    const json = (status: number, payload: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, code: number, message: string) =>
      json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    if (path?.[2] && req.method === 'GET') {
      if (!authValid) return error(401, 20003, 'Authenticate');
      const created = this.messages.get(path[2]);
      if (!created) return error(404, 20404, `The requested resource ${url.pathname} was not found`);
      const now = this.deliveries.get(path[2]);
      const rfc2822 = (at: Date) => at.toUTCString().replace('GMT', '+0000');
      return json(200, {
        sid: path[2], account_sid: user, to: created.to, status: now?.status ?? created.status, error_code: now?.errorCode ?? null, error_message: null,
        date_created: rfc2822(created.created), date_updated: rfc2822(now?.dateUpdated ?? created.created), direction: 'outbound-api', api_version: '2010-04-01',
      });
    }
    if (!path || path[2] || req.method !== 'POST') return error(404, 20404, 'The requested resource was not found');
    if (!authValid) return error(401, 20003, 'Authenticate');
    if (!contentType?.startsWith('application/x-www-form-urlencoded')) return error(400, 21600, 'the body must be a form');
    if (!form.To) return error(400, 21604, "A 'To' phone number is required.");
    if (!form.Body) return error(400, 21602, 'Message body is required.');
    if (Boolean(form.From) === Boolean(form.MessagingServiceSid)) return error(400, 21603, "A 'From' phone number or a MessagingServiceSid is required, not both.");
    if (!/^\+[1-9]\d{6,14}$/.test(form.To)) return error(400, 21211, `The 'To' number ${form.To} is not a valid phone number.`);

    const reply = this.reply;
    switch (reply.kind) {
      case 'ok': {
        const sid = `SM${randomBytes(16).toString('hex')}`;
        this.messages.set(sid, { to: form.To, status: form.MessagingServiceSid ? 'accepted' : 'queued', created: new Date(), from: form.From, statusCallback: form.StatusCallback });
        return json(201, {
          sid, account_sid: user, to: form.To, from: form.From ?? null, messaging_service_sid: form.MessagingServiceSid ?? null, body: form.Body,
          status: form.MessagingServiceSid ? 'accepted' : 'queued', num_segments: '1', direction: 'outbound-api', api_version: '2010-04-01',
          error_code: null, error_message: null, uri: `/2010-04-01/Accounts/${user}/Messages/${sid}.json`,
        });
      }
      case 'error':
        return error(reply.status, reply.code, reply.message ?? `fake error ${reply.code}`);
      case 'http':
        res.writeHead(reply.status, { 'content-type': 'text/html' });
        res.end(`<html>${reply.status}</html>`);
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
    }
  }
}

/** Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security), computed as documented. */
export function twilioSignature(authToken: string, url: string, fields: Record<string, string>): string {
  const signed = Object.keys(fields).sort().reduce((text, name) => text + name + fields[name], url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}
