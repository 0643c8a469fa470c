import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * How much of a body over the limit is read away before the 413 (one declared
 * over it, or one sent in chunks past it): a
 * client that writes its whole body before it reads the answer (Python's
 * http.client, most SDKs) then gets the 413, where a close with its body still
 * arriving reset the connection under it (EPIPE, not the answer). Past this, the
 * 413 goes at once and the connection is closed as it is.
 */
export const READ_AWAY_MAX_BYTES = 16 * 1024 * 1024;

/** Whether `req` declares a body over `bodyLimit` that is to be read away before its 413 (not one that waits for 100 Continue). */
export function declaredOverLimit(req: IncomingMessage, bodyLimit: number): boolean {
  const declared = req.headers['content-length'];
  if (declared === undefined) return false;
  const length = Number(declared);
  return length > bodyLimit && length <= READ_AWAY_MAX_BYTES && req.headers.expect === undefined;
}

/**
 * Whether `req`'s body, sent in chunks with no length declared, was found over the
 * limit (Fastify's `err`) before it ended: the rest is to be read away before the
 * 413, as a declared one is before the request is handled.
 */
export function chunkedOverLimit(req: IncomingMessage, err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && req.headers['content-length'] === undefined && !req.complete;
}

/**
 * Reads `req`'s body away, keeping none of it, then calls `done` (also when the
 * client goes, or the request times out, or once `maxBytes` more were read: the
 * connection is then closed as it is).
 */
export function readAway(req: IncomingMessage, done: () => void, maxBytes = Number.POSITIVE_INFINITY): void {
  let called = false;
  let read = 0;
  const discard = (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes) finish();
  };
  const finish = () => {
    if (called) return;
    called = true;
    req.off('data', discard).off('end', finish).off('error', finish).off('close', finish);
    done();
  };
  req.on('data', discard).once('end', finish).once('error', finish).once('close', finish);
  req.resume();
}

/**
 * A client that asks `Expect: 100-continue` before a body declared over
 * `bodyLimit` gets its 413 without the 100: Node sent 100 Continue first, the
 * client started its body, and the close that followed the 413 cut it (curl:
 * "Send failure: Broken pipe"). Other requests get their 100 as before.
 */
export function answerContinueByLimit(server: Server, bodyLimit: number): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length']) > bodyLimit)) res.writeContinue();
    server.emit('request', req, res);
  });
}
