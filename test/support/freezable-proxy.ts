import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'rediss:': 6379, 'postgres:': 5432, 'postgresql:': 5432 };

/**
 * A TCP proxy to a server (Redis, Postgres) that can stop passing bytes either way
 * while keeping its connections open: a server stopped (SIGSTOP), or a network that
 * drops packets. What arrives while frozen is held and passed on when thawed.
 */
export class FreezableProxy {
  private readonly server: Server;
  private frozen = false;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(host: string, port: number) {
    this.server = createServer((client) => {
      const upstream = createConnection({ host, port });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      }
      const pass = (from: Socket, to: Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (this.frozen) this.held.push(() => to.write(chunk));
          else to.write(chunk);
        });
      pass(client, upstream);
      pass(upstream, client);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
      }
    });
  }

  /** A proxy to the host and port of `url`. */
  static async start(url: string): Promise<FreezableProxy> {
    const target = new URL(url);
    const proxy = new FreezableProxy(target.hostname, Number(target.port || DEFAULT_PORTS[target.protocol]));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** `url` (of the proxied server) pointed at this proxy instead. */
  urlFor(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String((this.server.address() as AddressInfo).port);
    return through.toString();
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
