import { DomainError } from '../errors/domain-error.js';
import { type RouteErrorCodes } from './route-error-codes.js';

export interface ErrorContext {
  requestId: string;
  /** `METHOD /route/pattern`, e.g. `POST /v1/login/mobile`; empty when no route matched. For logs, not for choosing codes. */
  route: string;
  /** The matched route's own error numbering (`@ErrorCodes()` on its handler); absent when it has none or no route matched. */
  codes?: RouteErrorCodes;
}

export interface WireReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * One public wire format: which paths speak it, how success is enveloped and how a
 * domain error is rendered. Dialects hold no business rules.
 */
export interface WireDialect {
  readonly name: string;
  matches(path: string): boolean;
  /** The success envelope of `data`; `requestId` is the request's, for the dialects whose envelope carries it. */
  success(data: unknown, requestId: string): unknown;
  failure(error: DomainError, ctx: ErrorContext): WireReply;
}
