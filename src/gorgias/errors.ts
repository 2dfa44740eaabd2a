/**
 * Typed failures of the Gorgias client. Every one names the request (method, path relative to the
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

/** Retries ran out on a request safe to retry, or on a write that provably never left. */
export class TransientError extends GorgiasError {}

/** A 2xx whose body is not the JSON shape the endpoint documents. */
export class MalformedResponseError extends GorgiasError {}

/**
 * A message that does not name this ticket, or a messages list running far past its
 * `messages_count`: the ticket is skipped as unreadable, never decided on (another ticket's agent
 * reply must never start this one's cycle).
 */
export class UnreadableThreadError extends MalformedResponseError {}

export type AmbiguityReason = 'timeout' | 'connection-lost' | 'server-error' | 'unreadable-response'

/**
 * Creating a message may or may not have happened (timeout or lost connection after sending, a
 * 5xx, an unreadable 2xx). Never retried: the caller re-reads the ticket, because a follow-up must
 * never be sent twice.
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

/**
 * The open-tickets view query cannot be trusted here (refused, asynchronous, an answer of an
 * unknown shape, paging that does not end): the sweep lists tickets the plain way instead.
 */
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

/** Error bodies are shown to people; the API's own words, briefly. */
const API_MESSAGE_MAX = 500

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The API's own words from an error body; its shape varies by endpoint. */
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
  if (message === undefined) return undefined
  const chars = Array.from(message)
  return chars.length > API_MESSAGE_MAX
    ? `${chars.slice(0, API_MESSAGE_MAX - 1).join('')}…`
    : message
}

/** The typed error for a refusal (a 4xx or 3xx); every text redacted. */
export function refusalError(
  info: RequestInfo,
  text: string,
  email: string,
  redact: (text: string) => string
): GorgiasError {
  // Redacted before it is cut: a cut could leave a fragment of the key no mask recognises.
  const detail = apiMessage(redact(text))
  const suffix = detail ? `: ${detail}` : ''
  const status = info.status!
  const what = `${info.method} ${info.path}`
  if (status === 401 || status === 403) {
    const message = `Gorgias rejected the credentials for ${email} (HTTP ${status})${suffix}`
    return new AuthError(redact(message), info)
  }
  if (status === 404)
    return new NotFoundError(redact(`Not found: ${what} (HTTP 404)${suffix}`), info)
  if (status === 400 || status === 422) {
    return new ValidationError(redact(`Gorgias rejected ${what} (HTTP ${status})${suffix}`), info)
  }
  return new GorgiasError(
    redact(`Unexpected HTTP ${status} from Gorgias for ${what}${suffix}`),
    info
  )
}

/** A write that may or may not have landed: never retried, the caller re-reads to find out. */
export function ambiguousError(
  info: RequestInfo,
  reason: AmbiguityReason,
  what: string,
  redact: (text: string) => string
): AmbiguousWriteError {
  const message =
    `${info.method} ${info.path} may or may not have been applied: ${what}. ` +
    'It was not retried; re-read the ticket to find out.'
  return new AmbiguousWriteError(redact(message), info, reason)
}
