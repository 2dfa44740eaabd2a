import { businessMsBetween } from '../businessHours.js'
import type { PolicySettings } from './decision.js'

export const HOUR = 3_600_000

/**
 * Gorgias timestamps are ISO 8601, and the API reference's own examples carry no offset
 * (`2020-02-01T19:12:32.432197`): those are UTC. `Date.parse` would read them in the machine's
 * zone, so a runner in Tokyo would see every reply 9 hours older. Parsed here by hand, whatever
 * the zone; anything that is not ISO 8601 is `undefined`, never guessed at.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?)?$/

export function parseTimestamp(value: string): Date | undefined {
  const m = ISO_8601.exec(value.trim())
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(n => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  const offsetMinutes = m[9]
    ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0))
    : 0
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined
  if (Math.abs(offsetMinutes) >= 24 * 60 || Number(m[11] ?? 0) > 59) return undefined
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  if (date.getUTCDate() !== day) return undefined // 31 April and the like
  date.setUTCHours(hour, minute, second, ms)
  return new Date(date.getTime() - offsetMinutes * 60_000)
}

/** A timestamp field: null when absent, undefined when present but not a date. */
export function parseTime(value: string | null | undefined): Date | null | undefined {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string') return undefined
  return parseTimestamp(value)
}

/** Time since `from`: business time when business-hours is set, else real time; never negative. */
export function elapsedMs(from: Date, now: Date, s: PolicySettings): number {
  if (now.getTime() <= from.getTime()) return 0
  return s.businessHours
    ? businessMsBetween(from, now, s.businessHours)
    : now.getTime() - from.getTime()
}
