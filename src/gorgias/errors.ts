/**
 * Typed failures of the Gorgias client. Every one names the request (method, path relative to the
 * API base, kind) and never the host or credentials: messages end up in job logs and summaries.
 */
import type { RequestKind } from './requests.js'

export interface RequestInfo {
  method: string
  /** Path relative to the API base, without query string, e.g. `/tickets/42`. */
  path: string
  kind: RequestKind
  status?: number
}

/** Base class; also thrown as is for answers no subclass covers (a redirect, a 409, ...). */
export class GorgiasError extends Error {
  readonly status?: number
  readonly method: string
  readonly path: string
  readonly kind: RequestKind

  constructor(message: string, info: RequestInfo) {
    super(message)
    this.name = new.target.name
    this.status = info.status
    this.method = info.method
    this.path = info.path
    this.kind = info.kind
  }
}

/** 401/403: the email/API key pair is wrong or lacks permission. Never retried. */
export class AuthError extends GorgiasError {}

/** 404: the ticket was deleted or merged. */
export class NotFoundError extends GorgiasError {}

/** 400/422: Gorgias refused the request body or parameters. */
export class ValidationError extends GorgiasError {}

/**
 * Retries ran out (5xx, network failures, or 429s past `max429Retries`) on a request that was safe
 * to retry, or on a write that provably never reached the server.
 */
export class TransientError extends GorgiasError {}

/** A 2xx whose body is not the JSON shape the endpoint documents. */
export class MalformedResponseError extends GorgiasError {}

/**
 * The ticket's thread cannot be trusted: a message that does not name this ticket as its own, or
 * a messages list that runs on far past the ticket's `messages_count`. The ticket is skipped as
 * unreadable and never decided on: another ticket's agent reply must never start this one's cycle.
 */
export class UnreadableThreadError extends MalformedResponseError {}

export type AmbiguityReason = 'timeout' | 'connection-lost' | 'server-error' | 'unreadable-response'

/**
 * A non-idempotent write (creating a message) may or may not have happened: it timed out or lost
 * its connection after the request could have been sent, got a 5xx, or got a 2xx that could not
 * be read. The client never retries it; the caller re-reads the ticket to find out, because a
 * follow-up must never be sent twice.
 */
export class AmbiguousWriteError extends GorgiasError {
  readonly reason: AmbiguityReason

  constructor(message: string, info: RequestInfo, reason: AmbiguityReason) {
    super(message, info)
    this.reason = reason
  }
}

/**
 * The run's time limit came before this request could be sent (or retried): it was not sent, so
 * the ticket waits for the next run.
 */
export class DeadlineError extends GorgiasError {}

/**
 * The open-tickets view query cannot be trusted here (refused, asynchronous, an answer of an
 * unknown shape, paging that does not end): the sweep lists tickets the plain way instead.
 */
export class ViewUnusableError extends GorgiasError {}
