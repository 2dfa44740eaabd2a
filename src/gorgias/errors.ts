/**
 * What a request's outcome means: the kinds of request, the retry table (`retryStep`), and the
 * typed failures with their texts. Every error names the request (method, path relative to the
 * API base, kind) and never the host or credentials: messages end up in job logs and summaries.
 */

/** Every kind of request the client makes: counted in the stats, named in errors and events. */
export const REQUEST_KINDS = [
  'list-tickets',
  'list-view',
  'get-ticket',
  'list-messages',
  'create-message',
  'close-ticket',
  'add-tags',
  'remove-tags',
  'tags',
  'read-other'
] as const

export type RequestKind = (typeof REQUEST_KINDS)[number]

export interface RequestInfo {
  method: string
  /** relative to the API base, without query string, e.g. `/tickets/42` */
  path: string
  kind: RequestKind
  status?: number
  /** a write whose earlier attempt may have been applied (a timeout, a lost connection, a 5xx) */
  mayHaveApplied?: boolean
}

/** Base class; also thrown as is for answers no subclass covers (a redirect, a 409, ...). */
export class GorgiasError extends Error {
  readonly status?: number
  readonly method: string
  readonly path: string
  readonly kind: RequestKind
  /** The write's earlier attempt may have been applied: its ticket may have changed. */
  readonly mayHaveApplied: boolean

  constructor(message: string, info: RequestInfo) {
    super(message)
    this.name = new.target.name
    this.status = info.status
    this.method = info.method
    this.path = info.path
    this.kind = info.kind
    this.mayHaveApplied = info.mayHaveApplied === true
  }
}

/** 401/403: the email/API key pair is wrong or lacks permission. Never retried. */
export class AuthError extends GorgiasError {}

/** 404: the ticket was deleted or merged. */
export class NotFoundError extends GorgiasError {}

/** 400/422: Gorgias refused the request body or parameters. */
export class ValidationError extends GorgiasError {}

/** Retries ran out on a request safe to retry, or on a write that provably never left. */
export class TransientError extends GorgiasError {}

/** A 2xx whose body is not the JSON shape the endpoint documents. */
export class MalformedResponseError extends GorgiasError {}

/**
 * A message naming another ticket, or a messages list far past `messages_count`: the ticket is
 * skipped as unreadable, never decided on (another ticket's reply must never start its cycle).
 */
export class UnreadableThreadError extends MalformedResponseError {}

export type AmbiguityReason = 'timeout' | 'connection-lost' | 'server-error' | 'unreadable-response'

/**
 * Creating a message may or may not have happened (timeout or lost connection after sending, 5xx,
 * unreadable 2xx). Never retried: the caller re-reads, as a follow-up must never go out twice.
 */
export class AmbiguousWriteError extends GorgiasError {
  readonly reason: AmbiguityReason

  constructor(message: string, info: RequestInfo, reason: AmbiguityReason) {
    super(message, info)
    this.reason = reason
  }
}

/** The run's time limit came before this request could be sent (or retried): it was not sent. */
export class DeadlineError extends GorgiasError {}

/** The open-tickets view cannot be trusted here: the sweep lists tickets the plain way instead. */
export class ViewUnusableError extends GorgiasError {}

/**
 * Every form in which the API key could show in a text: the key, `email:key`, its base64 (the
 * Basic token), longest first so a longer form is never half-replaced. The runner's mask hides
 * whole values in the log only; these are taken out of any text before it is cut or shown.
 */
export function secretForms(email: string, apiKey: string): string[] {
  const key = apiKey.trim()
  if (!key) return []
  const pair = `${email.trim()}:${key}`
  const token = Buffer.from(pair).toString('base64')
  return [`Basic ${token}`, token, pair, key].sort((a, b) => b.length - a.length)
}

export function redact(text: string, forms: readonly string[]): string {
  return forms.reduce((out, secret) => out.split(secret).join('***'), text)
}

/** Takes every form of the API key out of a text (see secretForms). */
type Redact = (text: string) => string

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The API's own words from an error body (its shape varies by endpoint), at most 500 chars. */
function apiMessage(text: string): string | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(json)) return undefined
  const error = json.error
  const candidates = isRecord(error)
    ? [error.msg, error.message, json.message, json.msg]
    : [error, json.message, json.msg, json.detail]
  let message = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')
  // Validation errors list the offending fields: worth showing, briefly.
  const fields = isRecord(error) ? error.data : undefined
  if (fields !== undefined && fields !== null) {
    const details = JSON.stringify(fields)
    message = message ? `${message} ${details}` : details
  }
  const chars = Array.from(message ?? '')
  return chars.length > 500 ? `${chars.slice(0, 499).join('')}…` : message
}

/** The typed error for a refusal (a 4xx or 3xx); every text redacted. */
function refusalError(info: RequestInfo, body: string, email: string, redact: Redact) {
  const status = info.status!
  const what = `${info.method} ${info.path}`
  let refusal: [typeof GorgiasError, string] = [
    GorgiasError,
    `Unexpected HTTP ${status} from Gorgias for ${what}`
  ]
  if (status === 401 || status === 403) {
    refusal = [AuthError, `Gorgias rejected the credentials for ${email} (HTTP ${status})`]
  } else if (status === 404) refusal = [NotFoundError, `Not found: ${what} (HTTP 404)`]
  else if (status === 400 || status === 422) {
    refusal = [ValidationError, `Gorgias rejected ${what} (HTTP ${status})`]
  }
  // Redacted before it is cut: a cut could leave a fragment of the key no mask recognises.
  const detail = apiMessage(redact(body))
  const [Type, message] = refusal
  return new Type(redact(detail ? `${message}: ${detail}` : message), info)
}

/** A write that may or may not have landed: never retried, the caller re-reads to find out. */
function ambiguousError(info: RequestInfo, reason: AmbiguityReason, what: string, redact: Redact) {
  const message =
    `${info.method} ${info.path} may or may not have been applied: ${what}. ` +
    'It was not retried; re-read the ticket to find out.'
  return new AmbiguousWriteError(redact(message), info, reason)
}

/*
 * What to do after one attempt, a pure table: 2xx returns; a 429 was not processed, so wait and
 * resend (up to `max429Retries`); 5xx, 408, timeouts and lost connections back off where safe to
 * repeat (creating a message is not: once it may have reached the server, any doubt is
 * "ambiguous", for the caller to re-read; a connection never made is retried for every request);
 * any other status (400, 401, 403, 404, 409, 422, a redirect...) throws at once.
 */
export type AttemptOutcome =
  | { type: 'response'; status: number; retryAfterMs?: number }
  | { type: 'failure'; maybeSent: boolean; timedOut: boolean }

export interface RetryState {
  retrySafe: boolean
  /** 5xx / network failures, and 429s, so far (this one not counted) */
  failures: number
  throttles: number
  maxRetries: number
  max429Retries: number
  /** a number in [0, 1) for the jitter */
  random: number
}

export type RetryStep =
  | { do: 'return' }
  /** 429: wait this long (0 = let the pacer decide, it now believes the bucket full) */
  | { do: 'throttle'; ms: number }
  | { do: 'backoff'; ms: number }
  | { do: 'throw'; because: 'http-error' | 'gave-up' | 'rate-limited' }
  | { do: 'throw'; because: 'ambiguous'; reason: 'timeout' | 'connection-lost' | 'server-error' }

/** A Retry-After far past the bucket's window is a bug or an outage: wait a minute, ask again. */
export const RETRY_AFTER_CAP_MS = 60_000

export function retryStep(attempt: AttemptOutcome, s: RetryState): RetryStep {
  if (attempt.type === 'response') {
    const { status } = attempt
    if (status >= 200 && status < 300) return { do: 'return' }
    if (status === 429) {
      if (s.throttles >= s.max429Retries) return { do: 'throw', because: 'rate-limited' }
      return { do: 'throttle', ms: attempt.retryAfterMs ?? 0 }
    }
    if (status < 500 && status !== 408) return { do: 'throw', because: 'http-error' }
    if (!s.retrySafe) return { do: 'throw', because: 'ambiguous', reason: 'server-error' }
  } else if (!s.retrySafe && attempt.maybeSent) {
    const reason = attempt.timedOut ? 'timeout' : 'connection-lost'
    return { do: 'throw', because: 'ambiguous', reason }
  }
  if (s.failures >= s.maxRetries) return { do: 'throw', because: 'gave-up' }
  return { do: 'backoff', ms: backoffMs(s.failures + 1, s.random) }
}

/** Full jitter from 500 ms doubling to 20 s: parallel retries spread instead of colliding again. */
export function backoffMs(failure: number, random: number): number {
  return Math.round(random * Math.min(20_000, 500 * 2 ** (failure - 1)))
}

/**
 * Seconds or an HTTP date, the date counted from the answer's `Date` (the server's clock, which
 * wrote it) when readable, else from `nowMs`; capped; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  nowMs: number,
  serverDate?: string | null
): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  const server = Date.parse(serverDate ?? '')
  let ms: number | undefined
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000
  else if (/[a-z]/i.test(text) && !Number.isNaN(Date.parse(text))) {
    ms = Date.parse(text) - (Number.isNaN(server) ? nowMs : server)
  }
  return ms === undefined ? undefined : Math.min(Math.max(0, ms), RETRY_AFTER_CAP_MS)
}

/** The typed error of a request retryStep gives up on, from its last attempt; texts redacted. */
export function failureError(
  step: Extract<RetryStep, { do: 'throw' }>,
  info: RequestInfo,
  last: { text: string; cause: string; failures: number; throttles: number },
  email: string,
  redact: Redact
): GorgiasError {
  const what = `${info.method} ${info.path}`
  switch (step.because) {
    case 'http-error':
      return refusalError(info, last.text, email, redact)
    case 'ambiguous': {
      const how =
        info.status === undefined
          ? `the request failed (${last.cause})`
          : `Gorgias answered ${last.cause}`
      return ambiguousError(info, step.reason, how, redact)
    }
    case 'rate-limited': {
      const message = `Gorgias kept rate-limiting ${what} (HTTP 429) after ${last.throttles} retries`
      return new TransientError(message, info)
    }
    case 'gave-up': {
      const message = `${what} still failing after ${last.failures + 1} attempts: ${last.cause}`
      return new TransientError(redact(message), info)
    }
  }
}

/** A 2xx whose body is not what the endpoint documents; for a created message, an ambiguous write. */
export function unreadableError(info: RequestInfo, expected: string, redact: Redact) {
  if (info.kind === 'create-message') {
    // The message was accepted, but we cannot tell which one it is: let the caller look.
    return ambiguousError(info, 'unreadable-response', `the response was not ${expected}`, redact)
  }
  const message = `Unexpected response to ${info.method} ${info.path} (HTTP ${info.status}): expected ${expected}`
  return new MalformedResponseError(message, info)
}
