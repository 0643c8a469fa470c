import { channel, subscribe } from 'node:diagnostics_channel';
import { type ClientRequest, type IncomingMessage } from 'node:http';
import { boundAnswer } from '../answer-bound.js';
import { httpxReadTimerKey } from './sdk-read-timers.js';

/** The channel Node publishes each HTTP client answer on, when its headers are parsed. */
const ANSWERS = 'http.client.response.finish';
/** Marks the channel (one per process, whatever module registry asks) once answers are bounded from it. */
const INSTALLED = Symbol.for('passcode.boundSdkAnswers');

/**
 * Bounds every answer the Aliyun SDK reads ({@link boundAnswer}). The SDK takes neither an
 * agent nor a size: darabonba builds httpx's request from a fixed set of runtime options
 * (openapi-core passes on none that reaches the connection) and reads the whole answer into
 * memory (`Stream.readAsJSON`); httpx sends on its own module's keep-alive agents. So its
 * answers are found where Node publishes every HTTP client answer, once its headers are parsed
 * and before the SDK reads a byte, by the read timer httpx keeps on its sockets; other HTTP
 * clients of the process are not touched. The SDK asks for no content coding and inflates none
 * (darabonba reads the raw answer), so the bytes counted are the bytes it would hold. Once per
 * process: a test runner's module registries share it.
 */
export function boundSdkAnswers(): void {
  const marked = channel(ANSWERS) as unknown as Record<symbol, boolean>;
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  subscribe(ANSWERS, (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (httpxReadTimerKey(request.socket)) boundAnswer(response);
  });
}
