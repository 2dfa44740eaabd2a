/**
 * One HTTP attempt on the wire, and the typed errors of a request that failed (a refusal, a write
 * that may have landed, retries run out): no retries, no pacing (those are transport.ts's), no
 * endpoint (client.ts's).
 */
import fetch from 'node-fetch'
import {
  AmbiguousWriteError,
  AuthError,
  GorgiasError,
  NotFoundError,
  TransientError,
  ValidationError,
  type RequestInfo
} from './errors.js'
import type { RetryStep } from './retry.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

export const RATE_LIMIT_HEADER = 'x-gorgias-account-api-call-limit'
/** Error bodies are shown to people; the API's own words, briefly. */
const API_MESSAGE_MAX = 500

// Connection-phase failures: the request never left this machine, so even a write may be resent.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID'
])
const NOT_SENT_SYSCALLS = new Set(['connect', 'getaddrinfo'])

export type Attempt =
  | {
      type: 'response'
      status: number
      text: string
      retryAfter: string | null
      limitHeader: string | null
      /** the server's `Date` header: its clock, to the second */
      date?: string | null
    }
  | { type: 'failure'; cause: string; maybeSent: boolean; timedOut: boolean }

/** Sends once, reads the whole body, and never throws: a failure is described, codes only. */
export async function sendOnce(
  url: string,
  init: { method: Method; headers: Record<string, string>; body: string | undefined },
  timeoutMs: number
): Promise<Attempt> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const res = await fetch(url, {
      ...init,
      signal: controller.signal,
      // A redirect would carry the credentials elsewhere; the API never redirects.
      redirect: 'manual'
    })
    const text = await res.text()
    return {
      type: 'response',
      status: res.status,
      text,
      retryAfter: res.headers.get('retry-after'),
      limitHeader: res.headers.get(RATE_LIMIT_HEADER),
      date: res.headers.get('date')
    }
  } catch (err) {
    if (controller.signal.aborted) {
      return {
        type: 'failure',
        cause: `timed out after ${timeoutMs} ms`,
        maybeSent: true,
        timedOut: true
      }
    }
    return { type: 'failure', ...describeFailure(err), timedOut: false }
  } finally {
    clearTimeout(timer)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
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
  return message === undefined ? undefined : truncate(message, API_MESSAGE_MAX)
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text
}

function describeFailure(err: unknown): { cause: string; maybeSent: boolean } {
  const record: Record<string, unknown> =
    typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {}
  const code = typeof record.code === 'string' ? record.code : undefined
  const syscall = typeof record.erroredSysCall === 'string' ? record.erroredSysCall : undefined
  const type = typeof record.type === 'string' ? record.type : undefined
  const neverSent =
    (code !== undefined && NOT_SENT_CODES.has(code)) ||
    (syscall !== undefined && NOT_SENT_SYSCALLS.has(syscall))
  // Codes only: node-fetch's messages carry the full URL, and nothing here needs it.
  return { cause: code ?? type ?? 'network error', maybeSent: !neverSent }
}

/** The typed error for a refusal; every text redacted, the body before it is cut. */
function httpError(
  info: RequestInfo,
  status: number,
  text: string,
  email: string,
  redact: (text: string) => string
): GorgiasError {
  // Redacted before it is cut: a cut could leave a fragment of the key no mask recognises.
  const detail = apiMessage(redact(text))
  const suffix = detail ? `: ${detail}` : ''
  const withStatus = { ...info, status }
  const what = `${info.method} ${info.path}`
  if (status === 401 || status === 403) {
    return new AuthError(
      redact(`Gorgias rejected the credentials for ${email} (HTTP ${status})${suffix}`),
      withStatus
    )
  }
  if (status === 404) {
    return new NotFoundError(redact(`Not found: ${what} (HTTP 404)${suffix}`), withStatus)
  }
  if (status === 400 || status === 422) {
    return new ValidationError(
      redact(`Gorgias rejected ${what} (HTTP ${status})${suffix}`),
      withStatus
    )
  }
  return new GorgiasError(
    redact(`Unexpected HTTP ${status} from Gorgias for ${what}${suffix}`),
    withStatus
  )
}

/** What a request given up on had come to: its last attempt and the retries before it. */
export interface GivenUp {
  info: RequestInfo
  attempt: Attempt
  failures: number
  throttles: number
}

/** The typed error of a request that retry.ts says not to retry (again); every text redacted. */
export function failureError(
  step: Extract<RetryStep, { do: 'throw' }>,
  { info, attempt, failures, throttles }: GivenUp,
  email: string,
  redact: (text: string) => string
): GorgiasError {
  const status = attempt.type === 'response' ? attempt.status : undefined
  const cause = attempt.type === 'response' ? `HTTP ${attempt.status}` : attempt.cause
  const what = `${info.method} ${info.path}`
  switch (step.because) {
    case 'http-error':
      return httpError(
        info,
        status!,
        attempt.type === 'response' ? attempt.text : '',
        email,
        redact
      )
    case 'ambiguous':
      return ambiguousError(
        info,
        step.reason,
        status === undefined ? `the request failed (${cause})` : `Gorgias answered ${cause}`,
        status,
        redact
      )
    case 'rate-limited':
      return new TransientError(
        `Gorgias kept rate-limiting ${what} (HTTP 429) after ${throttles} retries`,
        { ...info, status: 429 }
      )
    case 'gave-up':
      return new TransientError(
        redact(`${what} still failing after ${failures + 1} attempts: ${cause}`),
        status === undefined ? info : { ...info, status }
      )
  }
}

/** A write that may or may not have landed: never retried, the caller re-reads to find out. */
export function ambiguousError(
  info: RequestInfo,
  reason: AmbiguousWriteError['reason'],
  what: string,
  status: number | undefined,
  redact: (text: string) => string
): AmbiguousWriteError {
  return new AmbiguousWriteError(
    redact(
      `${info.method} ${info.path} may or may not have been applied: ${what}. ` +
        'It was not retried; re-read the ticket to find out.'
    ),
    status === undefined ? info : { ...info, status },
    reason
  )
}
