import { ERRORS, type ErrorName } from './error-registry.js';

/**
 * An input of a use case by what it is, not by what a request calls it: `mcode`
 * and `mobile` of the one number a request is about; `old…` and `new…` of a phone
 * change's two numbers and their codes. A route whose service reports roles names
 * them with its own fields (`@FieldNames`).
 */
export type InputRole = 'mcode' | 'mobile' | PhoneChangeRole;

/** The inputs of a phone change: the old and the new number (calling code, national number) and the code each received. */
export type PhoneChangeRole = 'oldMcode' | 'oldMobile' | 'oldCode' | 'newMcode' | 'newMobile' | 'newCode';

export interface DomainErrorDetails {
  /** The request field at fault, as the client sent it (`code_policy.length`, `mobile`). */
  field?: string;
  /**
   * The input at fault, where a service knows it by role rather than by field: the
   * route's `@FieldNames` turn it into `field` before the dialect renders the error.
   * A `message` about it starts with the role, which becomes the field name too.
   */
  role?: InputRole;
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
