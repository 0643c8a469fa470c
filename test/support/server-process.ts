import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';

/** A real Passcode process: the built `node dist/src/main.js`, on 127.0.0.1. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** The exit code once the process has exited (null when a signal ended it). */
  exit: Promise<number | null>;
  output(): string;
  /** SIGTERM and the exit awaited, SIGKILL after `graceMs`; nothing once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A start's outcome: serving, or exited first with its code and what it printed. */
export type ServerStart<S extends ServerProcess = ServerProcess> = { server: S } | { exitCode: number | null; output: string };

export interface ServerOptions {
  /** The whole environment of the process; PORT and HOST are set here. */
  env: NodeJS.ProcessEnv;
  /** A command the server runs under (`unshare …`), its arguments included. */
  wrapper?: string[];
  /** How long to wait for it to serve or exit before it is killed and the start fails. */
  timeoutMs: number;
  /** Told of everything it prints, as it prints it (its output so far, and the process, to act on it). */
  onOutput?: (output: string, child: ChildProcess) => void;
}

/**
 * Starts the server on a free port and resolves once `/health/ready` answers 200,
 * or once the process has exited (a refused start). One that does neither in time
 * is killed, and the start fails with its output.
 */
export async function startServer({ env, wrapper = [], timeoutMs, onOutput }: ServerOptions): Promise<ServerStart> {
  const port = await freePort();
  const argv = [...wrapper, process.execPath, 'dist/src/main.js'];
  const child = spawn(argv[0], argv.slice(1), { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const printed = (d: Buffer) => {
    out += d.toString();
    onOutput?.(out, child);
  };
  child.stdout!.on('data', printed);
  child.stderr!.on('data', printed);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => (exited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) return { exitCode: await exit, output: out };
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server neither served nor exited within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    server: {
      url,
      child,
      exit,
      output: () => out,
      async stop(graceMs = 20_000) {
        if (exited) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exit;
        clearTimeout(killer);
      },
    },
  };
}

/** The started server; a start that exited instead fails with its code and output. */
export function serving<S extends ServerProcess>(started: ServerStart<S>): S {
  if ('server' in started) return started.server;
  throw new Error(`the server exited with ${started.exitCode} instead of serving:\n${started.output}`);
}

/** A JSON request to a started server, answered with its status and parsed body. */
export async function callServer(url: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as { code: number | string; msg?: string; data: Record<string, string> } };
}
