import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { createGzip } from 'node:zlib';

/** An answer too big to read, to requests `match` picks (all of them without it). */
export type BombAnswer =
  /** `prefix`, then `x` up to `bytes`, then `suffix`, streamed as fast as the client reads it. */
  | { kind: 'huge'; status: number; bytes: number; prefix: string; suffix: string; match?: (req: IncomingMessage) => boolean }
  /** A small gzip body (`gzipBomb`) sent with `content-encoding: gzip`, whatever the request asked for. */
  | { kind: 'gzip'; status: number; body: Buffer; match?: (req: IncomingMessage) => boolean };

/** What became of one bomb answer. */
export interface BombSent {
  /** Body bytes handed to the connection before it closed or the body ended. */
  written: number;
  /** Whether the client closed the connection before the whole body was written. */
  closedEarly: boolean;
}

/** Headers of one hop, not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * A front for a provider's fake, at its own endpoint: passes every request on to the fake
 * (which checks its signature and answers it) as long as `answer` is null, and answers the
 * requests `answer` picks itself, with a body far past any bound, counting what it managed to
 * write. Counts the connections clients open to it, to see keep-alive at work.
 */
export class AnswerBomb {
  answer: BombAnswer | null = null;
  /** The bomb answers so far: read once `settled()` says their connections are done. */
  readonly sent: BombSent[] = [];
  private readonly closes: Array<Promise<void>> = [];
  /** Connections accepted so far, and those still open. */
  connections = 0;
  readonly open = new Set<Socket>();
  private readonly upstreamAgent = new Agent({ keepAlive: false });

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
  ) {}

  /** `upstream`: the fake's `127.0.0.1:PORT`. */
  static async start(upstream: string): Promise<AnswerBomb> {
    let front!: AnswerBomb;
    const server = createServer((req, res) => front.handle(req, res));
    front = new AnswerBomb(server, upstream);
    server.on('connection', (socket) => {
      front.connections++;
      front.open.add(socket);
      socket.on('close', () => front.open.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return front;
  }

  /** The bomb answers, once each has ended or its connection closed. */
  async settled(): Promise<BombSent[]> {
    await Promise.all(this.closes);
    return this.sent;
  }

  /** `127.0.0.1:PORT`, for an account's endpoint (with protocol `http`). */
  get endpoint(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.upstreamAgent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const answer = this.answer;
    if (!answer || (answer.match && !answer.match(req))) return this.passOn(req, res);
    req.resume();
    req.on('end', () => (answer.kind === 'huge' ? this.stream(answer, res) : this.gzip(answer, res)));
  }

  /** A record of one bomb answer, complete once `res` closes. */
  private track(res: ServerResponse): BombSent {
    const record: BombSent = { written: 0, closedEarly: false };
    this.sent.push(record);
    this.closes.push(
      new Promise((resolve) =>
        res.on('close', () => {
          record.closedEarly = !res.writableFinished;
          resolve();
        }),
      ),
    );
    return record;
  }

  private stream(answer: Extract<BombAnswer, { kind: 'huge' }>, res: ServerResponse): void {
    const record = this.track(res);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    const head = Buffer.from(answer.prefix);
    const tail = Buffer.from(answer.suffix);
    let left = answer.bytes - head.length - tail.length;
    const write = (chunk: Buffer) => {
      record.written += chunk.length;
      return res.write(chunk);
    };
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= chunk.length;
        if (!write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) {
        write(tail);
        res.end();
      }
    };
    write(head);
    pump();
  }

  private gzip(answer: Extract<BombAnswer, { kind: 'gzip' }>, res: ServerResponse): void {
    const record = this.track(res);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': answer.body.length });
    record.written = answer.body.length;
    res.end(answer.body);
  }

  private passOn(req: IncomingMessage, res: ServerResponse): void {
    const [host, port] = this.upstream.split(':');
    const headers = withoutHopByHop(req.headers);
    const up = request({ host, port: Number(port), method: req.method, path: req.url, headers, agent: this.upstreamAgent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * `prefix`, `inflatedBytes` of spaces and `suffix`, gzipped: valid JSON once inflated, and
 * about a thousandth of its size on the wire (256 MB of it is about 250 KB).
 */
export async function gzipBomb(prefix: string, inflatedBytes: number, suffix: string): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  const spaces = Buffer.alloc(1024 * 1024, ' ');
  gzip.write(prefix);
  let left = inflatedBytes - prefix.length - suffix.length;
  while (left > 0) {
    const chunk = left >= spaces.length ? spaces : spaces.subarray(0, left);
    left -= chunk.length;
    if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end(suffix);
  await done;
  return Buffer.concat(out);
}

/** Runs `fn`, sampling the process's RSS every few milliseconds: its answer and how far RSS rose above where it started. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; rssGrowthMb: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, rssGrowthMb: (peak - start) / 2 ** 20 };
  } finally {
    clearInterval(sample);
  }
}
