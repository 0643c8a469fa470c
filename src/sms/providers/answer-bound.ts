import { type IncomingMessage } from 'node:http';

/**
 * The most of one provider answer that is read, in bytes as the SDK reads them (after any
 * inflating). Provider answers are a few hundred bytes of JSON; an answer past this is no
 * answer but a provider, or whoever answers in its place (the endpoint is the operator's,
 * and may be plain http), filling the process's memory: 400 MB once took it to 3.2 GB.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Why an answer was not read to its end: its size, or a content coding no request asked for. */
export type UnreadAnswerCode = 'AnswerTooLarge' | 'AnswerEncoded';

/**
 * An answer the SDK was stopped reading ({@link boundAnswer}). Its `code` is the send log's
 * provider code. The request was sent: the provider may have taken the message, so the
 * outcome is unknown, as for any other answer that cannot be read.
 */
export class UnreadAnswerError extends Error {
  override readonly name = 'UnreadAnswerError';

  constructor(
    readonly code: UnreadAnswerCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Bounds one HTTP answer, from the moment its headers are parsed (before anything reads its
 * body): once more than {@link MAX_ANSWER_BYTES} have come in on its connection, the answer is
 * destroyed with an UnreadAnswerError, and its connection with it (a destroyed socket never
 * goes back to a keep-alive pool). The bytes are counted on the socket, where reading them
 * costs nothing (node:http reads it through a `data` listener too), from its next read on (so
 * the bound errs by the rest of the read that carried the headers, at most 64 KiB); they are
 * the bytes on the wire, right for a reader that inflates nothing. The listener leaves the
 * socket with the answer, before the socket can carry another.
 */
export function boundAnswer(response: IncomingMessage): void {
  const socket = response.socket;
  if (!socket) return;
  let left = MAX_ANSWER_BYTES;
  const count = (chunk: Buffer) => {
    left -= chunk.length;
    if (left >= 0) return;
    release();
    response.destroy(new UnreadAnswerError('AnswerTooLarge', `the answer passed ${MAX_ANSWER_BYTES} bytes; not read further`));
  };
  const release = () => {
    socket.off('data', count);
    response.off('end', release);
    response.off('close', release);
  };
  socket.on('data', count);
  response.once('end', release);
  response.once('close', release);
}
