import { ERRORS, type ErrorName } from './error-registry.js';

export interface DomainErrorDetails {
  /** The request field at fault, as the client sent it (`code_policy.length`, `mobile`). */
  field?: string;
  /** The failed rule, e.g. a class-validator constraint name (`isNotEmpty`, `max`). */
  constraint?: string;
  /** A more precise message than the registry's default. */
  message?: string;
  /** Seconds until the caller may retry (rate limits, locks). */
  retryAfterS?: number;
  /** Extra data a dialect may put in its envelope. */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one exception services throw. It carries a registry name; each wire dialect
 * maps the name to its own envelope and code.
 */
export class DomainError extends Error {
  constructor(
    readonly name_: ErrorName,
    readonly details: DomainErrorDetails = {},
  ) {
    super(details.message ?? ERRORS[name_].message, { cause: details.cause });
    this.name = 'DomainError';
  }

  get code(): ErrorName {
    return this.name_;
  }

  get status(): number {
    return ERRORS[this.name_].status;
  }
}
