import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';
import { type Logger } from 'pino';
import { DomainError } from '../errors/domain-error.js';
import { type ErrorName } from '../errors/error-registry.js';
import { safeUrl } from '../../logging/request-log.js';
import { type DialectResolver } from './dialect-resolver.js';

/** The start of a request line, as far as a dialect needs it: the method and the path's first 256 characters, no query. */
const REQUEST_LINE = /^[A-Z]{1,16} (\/[^\s?]{0,256})/;

/** Marks a socket whose refusal is answered: Node's parser may report more errors on it as more bytes come. */
const ANSWERED = Symbol('passcode:client-error-answered');

type RefusedSocket = Socket & {
  [ANSWERED]?: true;
  /** The answer the connection is writing now, Node's: the first of the requests it has read and not answered. */
  _httpMessage?: { headersSent: boolean; writableFinished: boolean; req?: { url?: string }; once(event: 'close', listener: () => void): unknown };
};

/**
 * Answers a request Node's HTTP server refused before Fastify saw it (Fastify's
 * `clientErrorHandler`): headers over Node's 16 KB (HEADERS_TOO_LARGE), a request
 * that did not arrive within HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS
 * (REQUEST_TIMEOUT), or one Node's parser cannot read, such as a control character
 * in a header (MALFORMED_REQUEST). Fastify's default wrote its own JSON, in no
 * dialect, and logged nothing: a v1 client got HTTP 431 where it reads HTTP 200.
 *
 * The answer is in the dialect of the refused request's path where it is known
 * (a body too slow: the request Node handed on; a request Node cannot parse: the
 * start of its bytes), the REST dialect's otherwise, with a request id, and ends
 * the connection (`Connection: close`: the parser's state is lost). A refusal that
 * comes while an earlier request of the connection is still being answered (HTTP
 * pipelining) is answered after it, not over it. It is logged as the request log
 * logs a refused request, path masked as there. A connection that never sent a
 * byte is closed without an answer or a warning (a browser's preconnect); nor does
 * a reset or a socket error that is no refusal get one.
 */
export function answerClientError(dialects: DialectResolver, logger: () => Logger, err: Error & { code?: string; rawPacket?: unknown }, socket: RefusedSocket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || socket[ANSWERED]) return;
  socket[ANSWERED] = true;
  const name = refusal(err.code);
  if (!name || (name === 'REQUEST_TIMEOUT' && socket.bytesRead === 0)) {
    logger().debug({ cause: err.code }, 'connection closed unanswered');
    socket.destroy(err);
    return;
  }
  const inFlight = socket._httpMessage;
  const earlier = inFlight && !inFlight.writableFinished && name !== 'REQUEST_TIMEOUT' ? inFlight : undefined;
  const path = requestPath(name, err, inFlight, earlier);
  const requestId = randomUUID();
  logger().warn({ reqId: requestId, req: { id: requestId, url: path === undefined ? undefined : safeUrl(path) }, cause: err.code }, 'request refused by the HTTP parser: %s', name);
  const answer = () => {
    if (socket.writable && (earlier !== undefined || !inFlight?.headersSent)) {
      const reply = dialects.forPath(path ?? '/').failure(new DomainError(name), { requestId, route: '' });
      const body = JSON.stringify(reply.body);
      const headers = { ...reply.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId, connection: 'close' };
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}\r\n`).join('');
      socket.write(`HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n${head}\r\n${body}`);
    }
    socket.destroy(err);
  };
  if (earlier) earlier.once('close', answer);
  else answer();
}

function refusal(code: string | undefined): ErrorName | undefined {
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (code?.startsWith('HPE_')) return 'MALFORMED_REQUEST';
  return undefined;
}

/**
 * The refused request's path, where it is known: a body too slow is the request
 * Node handed on and is answering; a request Node cannot parse starts the bytes it
 * refused unless an earlier request of the connection is still being answered
 * (those bytes then start with that one). Headers too slow have no path.
 */
function requestPath(name: ErrorName, err: { rawPacket?: unknown }, inFlight: RefusedSocket['_httpMessage'], earlier: RefusedSocket['_httpMessage']): string | undefined {
  if (name === 'REQUEST_TIMEOUT') return inFlight?.req?.url?.split('?')[0];
  if (earlier || !Buffer.isBuffer(err.rawPacket)) return undefined;
  return REQUEST_LINE.exec(err.rawPacket.subarray(0, 300).toString('latin1'))?.[1];
}
