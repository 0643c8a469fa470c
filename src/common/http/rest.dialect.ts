import { DomainError } from '../errors/domain-error.js';
import { type ErrorContext, type WireDialect, type WireReply } from './wire-dialect.js';

/**
 * The admin and default dialect: REST statuses with `{code, msg, data}`; `code` is
 * `"OK"` on success and the error's registry name otherwise.
 */
export class RestDialect implements WireDialect {
  readonly name = 'rest';

  matches(): boolean {
    return true;
  }

  success(data: unknown): unknown {
    return { code: 'OK', msg: 'success', data: data ?? null };
  }

  failure(error: DomainError, ctx: ErrorContext): WireReply {
    const { field, retryAfterS, data } = error.details;
    const body = {
      code: error.code,
      msg: error.message,
      data: { ...(field ? { field } : {}), ...(retryAfterS !== undefined ? { retry_after_s: retryAfterS } : {}), ...data },
      request_id: ctx.requestId,
    };
    return { status: error.status, body, headers: retryAfterHeader(retryAfterS) };
  }
}

export function retryAfterHeader(retryAfterS: number | undefined): Record<string, string> | undefined {
  return retryAfterS !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) } : undefined;
}
