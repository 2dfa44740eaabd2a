/**
 * What a route answers (a Result, or an HttpError thrown from anywhere below it) and the request
 * validation shared by the routes. Error bodies follow the documented shape
 * `{"error": {"msg": ..., "data": {field: [messages]}}}`.
 */
import type { TicketUser } from '../src/gorgias/types.js'
import { isPositiveInt, isRecord } from './values.js'

export type Errors = Record<string, string[]>

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly data?: Errors
  ) {
    super(message)
  }
}

export interface Result {
  status: number
  /** JSON payload; none (empty body) when undefined. */
  body?: unknown
  /** Raw payload, sent as is. */
  raw?: string
  headers?: Record<string, string>
}

export const DEFAULT_PAGE_LIMIT = 30
export const MAX_PAGE_LIMIT = 100

export function errorResult(status: number, msg: string, data?: Errors): Result {
  return { status, body: { error: data === undefined ? { msg } : { msg, data } } }
}

export function addError(errors: Errors, field: string, msg: string): void {
  ;(errors[field] ??= []).push(msg)
}

/** Throws the collected validation errors as one 400, if there are any. */
export function throwIfErrors(errors: Errors): void {
  if (Object.keys(errors).length > 0) throw new HttpError(400, 'Validation error', errors)
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw new HttpError(400, 'The request body must be a JSON object')
  return body
}

export function parseLimit(query: URLSearchParams): number {
  const raw = query.get('limit')
  if (raw === null) return DEFAULT_PAGE_LIMIT
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= MAX_PAGE_LIMIT)) {
    throw new HttpError(400, 'Validation error', {
      limit: [`Must be an integer between 1 and ${MAX_PAGE_LIMIT}.`]
    })
  }
  return n
}

export function parseId(raw: string, field: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN
  if (!isPositiveInt(n)) throw new HttpError(400, 'Validation error', { [field]: ['Not a valid integer.'] }) // prettier-ignore
  return n
}

/** `field:asc|desc` among the allowed fields, else a 400 naming the allowed values. */
export function parseOrderBy<F extends string>(
  raw: string,
  fields: readonly F[],
  param = 'order_by'
): { field: F; direction: 1 | -1 } {
  const [field, dir, ...rest] = raw.split(':')
  if (rest.length === 0 && fields.includes(field as F) && (dir === 'asc' || dir === 'desc')) {
    return { field: field as F, direction: dir === 'asc' ? 1 : -1 }
  }
  const allowed = fields.flatMap(f => [`${f}:asc`, `${f}:desc`]).join(', ')
  throw new HttpError(400, 'Validation error', { [param]: [`Must be one of: ${allowed}.`] })
}

export function isAddress(v: unknown): v is { address: string; name?: unknown } {
  return isRecord(v) && typeof v.address === 'string' && v.address.trim() !== ''
}

export function isUserRef(
  v: unknown
): v is Record<string, unknown> & { id?: unknown; email?: unknown } {
  return (
    isRecord(v) &&
    (isPositiveInt(v.id) || (typeof v.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(v.email)))
  )
}

export function userRefToPartial(ref: Record<string, unknown>): Partial<TicketUser> {
  const out: Partial<TicketUser> = {}
  if (isPositiveInt(ref.id)) out.id = ref.id
  if (typeof ref.email === 'string') out.email = ref.email
  if (typeof ref.name === 'string') out.name = ref.name
  return out
}

export function pickUser(u: TicketUser): TicketUser {
  return { id: u.id, email: u.email ?? null, name: u.name ?? null }
}
