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

/**
 * Answers a request Node's HTTP server refused before Fastify saw it (Fastify's
 * `clientErrorHandler`): headers over Node's 16 KB (HEADERS_TOO_LARGE), a request
 * that did not arrive within HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS
 * (REQUEST_TIMEOUT), or one Node's parser cannot read, such as a control character
 * in a header (MALFORMED_REQUEST). Fastify's default wrote its own JSON, in no
 * dialect, and logged nothing: a v1 client got HTTP 431 where it reads HTTP 200.
 *
 * The answer is the dialect's for the request's path when the bytes Node gives
 * show it, the REST dialect's otherwise, with a request id, on the one request
 * the connection then carries (`Connection: close`: the parser's state is lost).
 * It is logged as the request log logs a refused request, path masked as there.
 * A connection reset needs no answer and gets none; nor does a socket error that
 * is no refusal, which is not logged above debug.
 */
export function answerClientError(dialects: DialectResolver, logger: () => Logger, err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const name = refusal(err.code);
  const path = requestPath(err, socket);
  const requestId = randomUUID();
  if (name) {
    logger().warn({ reqId: requestId, req: { id: requestId, url: path === undefined ? undefined : safeUrl(path) }, cause: err.code }, 'request refused by the HTTP parser: %s', name);
  } else {
    logger().debug({ cause: err.code }, 'connection error');
  }
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const answer = dialects.forPath(path ?? '/').failure(new DomainError(name ?? 'MALFORMED_REQUEST'), { requestId, route: '' });
    const body = JSON.stringify(answer.body);
    const headers = { ...answer.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId, connection: 'close' };
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}\r\n`).join('');
    socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${head}\r\n${body}`);
  }
  socket.destroy(err);
}

function refusal(code: string | undefined): ErrorName | undefined {
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (code?.startsWith('HPE_')) return 'MALFORMED_REQUEST';
  return undefined;
}

/** The request's path: from the request Node already handed on (a body too slow), or from the start of the bytes its parser refused. */
function requestPath(err: { rawPacket?: unknown }, socket: Socket): string | undefined {
  const url = (socket as Socket & { _httpMessage?: { req?: { url?: string } } })._httpMessage?.req?.url;
  if (typeof url === 'string') return url.split('?')[0];
  if (!Buffer.isBuffer(err.rawPacket)) return undefined;
  return REQUEST_LINE.exec(err.rawPacket.subarray(0, 300).toString('latin1'))?.[1];
}
