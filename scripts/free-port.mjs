import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port of the kernel's ephemeral range, where a listen on port 0 and an outgoing connection take theirs. */
function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, for a server a test
 * or a script starts, below the kernel's ephemeral range. A port from that range
 * could be taken, between this check and the server's bind, by another server
 * listening on port 0 (a supertest app of the other Jest worker): that server then
 * answered the readiness check, and the test talked to it (a 401 for our admin's
 * password, or a refused connection once it closed). The tests' helper
 * (test/support/free-port.ts) is this one.
 * @returns {Promise<number>}
 */
export async function freePort() {
  const high = ephemeralLow();
  const low = Math.max(1024, Math.min(20_000, high - 2000));
  for (let tries = 0; tries < 100; tries++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${low} and ${high}`);
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
