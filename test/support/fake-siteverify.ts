import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

export type FakeVendor = 'turnstile' | 'hcaptcha' | 'recaptcha';

/** How the fake answers the next requests. */
export type FakeSiteverifyReply =
  /** Checks the secret and the token and answers the vendor's JSON verdict. */
  | { kind: 'verdict' }
  /** HTTP 200 with a body that is not a siteverify answer (`body` as given). */
  | { kind: 'malformed'; body: string }
  /** Any HTTP status with a JSON error. */
  | { kind: 'http'; status: number }
  /** Answers the verdict after `afterMs` (unless the caller has given up by then). */
  | { kind: 'slow'; afterMs: number }
  /** HTTP 200, a JSON answer padded past any sane size. */
  | { kind: 'huge'; bytes: number };

/** What the fake says of a good token, beyond `success: true`. */
export interface FakeTokenFacts {
  hostname?: string;
  action?: string;
  score?: number;
}

export interface FakeSiteverifyRequest {
  vendor: string;
  contentType: string | undefined;
  form: Record<string, string>;
}

/**
 * A local stand-in for the siteverify endpoints of Cloudflare Turnstile
 * (`/turnstile`), hCaptcha (`/hcaptcha`) and reCAPTCHA (`/recaptcha`): a form POST
 * of `secret`, `response` (and `remoteip`, `sitekey`), answered as the vendors do —
 * `invalid-input-secret` for a secret it does not know, `invalid-input-response`
 * for a token it did not issue, success with the token's facts otherwise. Each
 * token is good once (`timeout-or-duplicate` after), as at the vendors.
 */
export class FakeSiteverify {
  readonly requests: FakeSiteverifyRequest[] = [];
  reply: FakeSiteverifyReply = { kind: 'verdict' };
  private readonly tokens = new Map<string, { vendor: FakeVendor; facts: FakeTokenFacts; used: boolean }>();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly secrets: Record<FakeVendor, string>,
  ) {}

  /** `secrets`: the one secret each vendor accepts. */
  static async start(secrets: Record<FakeVendor, string>): Promise<FakeSiteverify> {
    let fake!: FakeSiteverify;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakeSiteverify(server, secrets);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** TURNSTILE_VERIFY_URL, HCAPTCHA_VERIFY_URL, RECAPTCHA_VERIFY_URL pointing here. */
  get env(): Record<string, string> {
    const base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return { TURNSTILE_VERIFY_URL: `${base}/turnstile`, HCAPTCHA_VERIFY_URL: `${base}/hcaptcha`, RECAPTCHA_VERIFY_URL: `${base}/recaptcha` };
  }

  /** A token a person would get from the vendor's widget, good once. */
  issueToken(vendor: FakeVendor, facts: FakeTokenFacts = {}): string {
    const token = `${vendor}-token-${++this.seq}-${'x'.repeat(40)}`;
    this.tokens.set(token, { vendor, facts, used: false });
    return token;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const vendor = (req.url ?? '/').slice(1);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).entries());
    this.requests.push({ vendor, contentType: req.headers['content-type'], form });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const reply = this.reply;
    switch (reply.kind) {
      case 'verdict':
        return json(200, this.verdict(vendor, form));
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply.body);
        return;
      case 'http':
        return json(reply.status, { error: 'fake failure' });
      case 'slow': {
        const late = setTimeout(() => json(200, this.verdict(vendor, form)), reply.afterMs);
        res.on('close', () => clearTimeout(late));
        return;
      }
      case 'huge':
        return json(200, { ...this.verdict(vendor, form), padding: 'p'.repeat(reply.bytes) });
    }
  }

  private verdict(vendor: string, form: Record<string, string>): Record<string, unknown> {
    if (!(vendor in this.secrets)) return { success: false, 'error-codes': ['bad-request'] };
    if (!form.secret) return { success: false, 'error-codes': ['missing-input-secret'] };
    if (form.secret !== this.secrets[vendor as FakeVendor]) return { success: false, 'error-codes': ['invalid-input-secret'] };
    if (!form.response) return { success: false, 'error-codes': ['missing-input-response'] };
    const token = this.tokens.get(form.response);
    if (!token || token.vendor !== vendor) return { success: false, 'error-codes': ['invalid-input-response'] };
    if (token.used) return { success: false, 'error-codes': ['timeout-or-duplicate'] };
    token.used = true;
    return { success: true, challenge_ts: new Date().toISOString(), 'error-codes': [], hostname: 'localhost', ...token.facts };
  }
}
