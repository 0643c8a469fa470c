import { type ClientRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { boundAnswer, UnreadAnswerError } from '../answer-bound.js';

/**
 * The headers every request of the SDK carries (its httpProfile's): no content coding asked
 * for. node-fetch, under the SDK, asks for gzip unless told otherwise.
 */
export const TENCENT_REQUEST_HEADERS: Readonly<Record<string, string>> = { 'Accept-Encoding': 'identity' };

/** How Node hands a request to its agent: the contract custom and proxy agents implement, left out of @types/node. */
interface AgentContract {
  addRequest(request: ClientRequest, options: object): void;
}

/**
 * The kept-alive agent of one account's SDK client (its httpProfile's agent, the only hook
 * the SDK offers into its HTTP: it takes no size limit, and node-fetch under it reads every
 * answer whole). Each answer it carries is bounded from its headers on ({@link boundAnswer}),
 * before node-fetch's own listener sees it; one in a content coding is not read at all, since
 * node-fetch inflates whatever coding the answer names, asked for or not (a quarter of a
 * megabyte of gzip is a quarter of a gigabyte inflated), and the bytes counted would not be
 * the bytes it holds.
 */
export function tencentAgent(protocol: 'http' | 'https'): HttpAgent {
  const agent = protocol === 'http' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const contract = agent as unknown as AgentContract;
  const addRequest = contract.addRequest;
  contract.addRequest = function (request, options) {
    request.prependOnceListener('response', readBounded);
    addRequest.call(this, request, options);
  };
  return agent;
}

function readBounded(response: IncomingMessage): void {
  const coding = response.headers['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    response.destroy(new UnreadAnswerError('AnswerEncoded', `the answer is in content coding ${coding.slice(0, 40)}, which was not asked for; not read`));
    return;
  }
  boundAnswer(response);
  if (response.statusCode !== 200) readAwayOnceSeen(response);
}

/**
 * The SDK reads a 200 answer whole (as JSON, or an event stream line by line); of any
 * other status it reads the status alone, and node-fetch under it buffers what fits
 * (16 KB) and stops there. A longer page (a gateway's error page, one per request
 * through an outage) held its connection out of the pool until the other side closed
 * it. Once the SDK has had the answer (its turn ends before the next macrotask), the
 * rest is read away here, within the answer's bound, and the connection goes back to
 * the pool.
 */
function readAwayOnceSeen(response: IncomingMessage): void {
  setImmediate(() => {
    if (response.readableEnded || response.destroyed) return;
    response.unpipe();
    response.resume();
  });
}
