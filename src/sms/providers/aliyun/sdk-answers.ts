import { channel, subscribe } from 'node:diagnostics_channel';
import { type ClientRequest, type IncomingMessage } from 'node:http';
import { boundAnswer } from '../answer-bound.js';

/**
 * The Aliyun SDK's HTTP client (httpx) starts a read timer for every request
 * and keeps it on the socket, under a symbol of this description; it clears it
 * only in its own `read()`. The SDK reads answers with darabonba's stream
 * reader instead, so every call left its timer running for the account's
 * timeout (5 s by default). Until then the timer held the whole request (its
 * ClientRequest, answer and closures: some 2,500 of them at 600 sends a second,
 * moved to the old generation and collected only by full GCs); when it fired, it
 * cleared the timer of whatever later request the keep-alive socket carried
 * then, and aborted its own finished request.
 */
const HTTPX_READ_TIMER = 'TIMER::READ_TIMER';

/** The channel Node publishes each HTTP client answer on, when its headers are parsed. */
const ANSWERS = 'http.client.response.finish';
/** Marks the channel (one per process, whatever module registry asks) once the SDK's answers are tended from it. */
const INSTALLED = Symbol.for('passcode.tendSdkAnswers');

/**
 * Tends each answer the Aliyun SDK reads, found by the read timer httpx keeps on
 * its sockets (the other HTTP clients of the process have none, and are not
 * touched), once its headers are parsed and before the SDK reads a byte:
 * - it is bounded ({@link boundAnswer}). The SDK takes neither an agent nor a size:
 *   darabonba builds httpx's request from a fixed set of runtime options and reads
 *   the whole answer into memory, on httpx's own keep-alive agents. It asks for no
 *   content coding and inflates none, so the bytes counted are the bytes it holds;
 * - its read timer is cleared once the answer has been read to the end, as httpx's
 *   own `read()` would: the timer still bounds a body that stalls.
 * Once per process: a test runner's module registries share it.
 */
export function tendSdkAnswers(): void {
  const marked = channel(ANSWERS) as unknown as Record<symbol, boolean>;
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  subscribe(ANSWERS, (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const socket = request.socket as (ClientRequest['socket'] & Record<symbol, NodeJS.Timeout | null>) | null;
    const key = httpxReadTimerKey(socket);
    if (!key) return;
    boundAnswer(response);
    const timer = socket![key];
    // This request's timer: by the time the body ends, the socket may carry the next request's.
    if (timer) response.once('end', () => clearTimeout(timer));
  });
}

/** The read timer keys found so far: one per copy of httpx loaded, made when it loads. */
const readTimerKeys = new Set<symbol>();

/**
 * The key of the read timer httpx keeps on the sockets it sends on (the Aliyun SDK's), when `socket` is one of them.
 * A key already found is asked for first: listing a socket's symbols and reading each one's description cost
 * about 2 µs a send, on every answer.
 */
function httpxReadTimerKey(socket: object | null): symbol | undefined {
  if (!socket) return undefined;
  for (const key of readTimerKeys) if (key in socket) return key;
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === HTTPX_READ_TIMER);
  if (key) readTimerKeys.add(key);
  return key;
}
