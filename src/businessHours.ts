/**
 * Business-hours arithmetic: which instants count towards a threshold ("48 business hours since
 * the agent's reply") and when the help desk is open.
 *
 * Pure: no I/O, no clock. Time zones are Luxon's: it reads the zone's offset at an instant from
 * `Intl`, which carries the time-zone database; this module never holds a zone's transitions.
 *
 * Model. A local calendar day `n` (days since 1970-01-01 in the zone's wall-clock calendar) has the
 * windows of its weekday, unless it is a holiday. Each window [start, end) of local minutes maps to
 * the real interval [instant(n, start), instant(n, end)), so a window that spans a daylight-saving
 * switch is one hour shorter or longer in real time. Local times are turned into instants as
 * follows:
 *  - a local time that exists once maps to that instant;
 *  - a repeated local time (fall back) maps to its first occurrence;
 *  - a skipped local time (spring forward gap) maps to the instant of the switch, i.e. the first
 *    instant whose wall clock reads later than it. A window 02:30-04:00 on a day where 02:00 jumps
 *    to 03:00 therefore is open from 03:00 (one real hour).
 * The mapping never decreases, so the intervals of successive days never overlap. The one
 * assumption: a zone switches at most once within two days.
 */

import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon'

const MINUTE = 60_000
const DAY = 86_400_000
const MINUTES_PER_DAY = 1440
/** How far `nextOpening` looks, and how many closed days in a row `addBusinessMs` tolerates. */
const MAX_CLOSED_DAYS = 366

export interface BusinessHours {
  /** per weekday 0=Sunday..6=Saturday: list of [startMinute, endMinute) windows in local time, endMinute may be 1440 */
  windows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
  timezone: string
  /** 'YYYY-MM-DD' local dates on which nothing is open */
  holidays: ReadonlySet<string>
  /** the normalized text, for the job summary, e.g. "Mon-Fri 09:00-18:00 (Europe/Paris), 2 holidays" */
  describe: string
}

export type BusinessHoursInput = 'business-hours' | 'timezone' | 'holidays'

/** A configuration error; the message starts with the input's name, e.g. `timezone: ...`. */
export class BusinessHoursError extends Error {
  readonly input: BusinessHoursInput

  constructor(input: BusinessHoursInput, message: string) {
    super(`${input}: ${message}`)
    this.name = 'BusinessHoursError'
    this.input = input
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const DAY_FULL = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
/** Display order: Monday first. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const

const EXPECTED_SPEC =
  'expected days and hours like "Mon-Fri 09:00-18:00" (several groups separated by ";")'
const EXPECTED_DAY = 'expected Mon, Tue, Wed, Thu, Fri, Sat, Sun or a full name like "Monday"'
const GROUP_RE = /^(.+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/

function specError(message: string): BusinessHoursError {
  return new BusinessHoursError('business-hours', message)
}

function dayIndex(name: string, group: string): number {
  const lower = name.toLowerCase()
  const index = DAY_FULL.findIndex(full => full === lower || full.slice(0, 3) === lower)
  if (index < 0) throw specError(`"${name}" in "${group}" is not a day; ${EXPECTED_DAY}`)
  return index
}

/** `Mon`, `Mon-Fri`, `Fri-Mon` (wraps), `Mon,Wed,Fri`, `Mon-Wed,Fri` → set of weekdays. */
function parseDays(text: string, group: string): Set<number> {
  const days = new Set<number>()
  for (const item of text.split(',')) {
    const ends = item.split('-').map(part => part.trim())
    if (ends.length > 2 || ends.some(part => part === '')) {
      throw specError(
        `"${item.trim()}" in "${group}" is not a day or a range of days; ${EXPECTED_DAY}, a range like "Mon-Fri" or a list like "Mon,Wed,Fri"`
      )
    }
    const first = dayIndex(ends[0] ?? '', group)
    const last = dayIndex(ends[1] ?? ends[0] ?? '', group)
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day)
      if (day === last) break
    }
  }
  return days
}

function parseClockTime(hours: string, minutes: string, group: string, isEnd: boolean): number {
  const h = Number(hours)
  const m = Number(minutes)
  const value = h * 60 + m
  const valid = m < 60 && (h < 24 || (isEnd && value === MINUTES_PER_DAY))
  if (!valid) {
    throw specError(
      `"${hours}:${minutes}" in "${group}" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)`
    )
  }
  return value
}

function formatMinute(minute: number): string {
  const h = Math.floor(minute / 60)
  const m = minute % 60
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`
}

/** Weekdays as compact text, Monday first, consecutive days as ranges (wrapping: "Fri-Mon"). */
function formatDays(days: ReadonlySet<number>): string {
  const present = WEEK_ORDER.map(day => days.has(day))
  if (present.every(Boolean)) return 'Mon-Sun'
  const runs: string[] = []
  for (let p = 0; p < 7; p++) {
    // a run starts where the previous day (cyclically) is absent
    if (!present[p] || present[(p + 6) % 7]) continue
    let end = p
    while (present[(end + 1) % 7]) end = (end + 1) % 7
    const first = DAY_SHORT[WEEK_ORDER[p] ?? 0]
    const last = DAY_SHORT[WEEK_ORDER[end] ?? 0]
    runs.push(end === p ? first : `${first}-${last}`)
  }
  return runs.join(',')
}

/** Sorted, non-overlapping, non-empty windows (touching or overlapping ones merged). */
function mergeWindows(list: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = list
    .map(([start, end]): [number, number] => [Math.max(0, start), Math.min(MINUTES_PER_DAY, end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const merged: Array<[number, number]> = []
  for (const window of sorted) {
    const last = merged[merged.length - 1]
    if (last && window[0] <= last[1]) last[1] = Math.max(last[1], window[1])
    else merged.push([window[0], window[1]])
  }
  return merged
}

function describeWindows(windows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): string {
  const byWindow = new Map<string, { window: readonly [number, number]; days: Set<number> }>()
  for (const day of WEEK_ORDER) {
    for (const window of windows[day] ?? []) {
      const key = `${window[0]}-${window[1]}`
      const entry = byWindow.get(key) ?? { window, days: new Set<number>() }
      entry.days.add(day)
      byWindow.set(key, entry)
    }
  }
  return [...byWindow.values()]
    .map(
      ({ window, days }) =>
        `${formatDays(days)} ${formatMinute(window[0])}-${formatMinute(window[1])}`
    )
    .join('; ')
}

/** True when `Intl` knows the zone (IANA names such as "Europe/Paris", "UTC"). */
export function isValidTimeZone(tz: string): boolean {
  return tz.trim() !== '' && IANAZone.isValidZone(tz)
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Days since 1970-01-01 of a real `YYYY-MM-DD` date; undefined for anything else. */
function dayNumber(text: string): number | undefined {
  const match = DATE_RE.exec(text)
  const date = match && DateTime.utc(Number(match[1]), Number(match[2]), Number(match[3]))
  return date?.isValid ? date.toMillis() / DAY : undefined
}

function parseHoliday(text: string): string {
  const expected = 'expected YYYY-MM-DD, e.g. "2026-12-25"'
  if (!DATE_RE.test(text)) {
    throw new BusinessHoursError('holidays', `"${text}" is not a date; ${expected}`)
  }
  if (dayNumber(text) === undefined) {
    throw new BusinessHoursError('holidays', `"${text}" is not a real calendar date; ${expected}`)
  }
  return text
}

/**
 * Parses the `business-hours`, `timezone` and `holidays` inputs.
 *
 * `spec`: groups `DAYS HH:MM-HH:MM` separated by `;` or newlines, case-insensitive. Overlapping or
 * touching windows of one day are merged. `timezone`: an IANA name; empty means UTC. `holidays`:
 * `YYYY-MM-DD` dates; an entry may itself hold several dates separated by commas or whitespace, and
 * empty entries are ignored. Throws `BusinessHoursError` naming the faulty input.
 */
export function parseBusinessHours(
  spec: string,
  timezone: string,
  holidays: string[]
): BusinessHours {
  const groups = spec
    .split(/[;\r\n]+/)
    .map(group => group.trim().replace(/\s+/g, ' '))
    .filter(group => group !== '')
  if (groups.length === 0) throw specError(`"${spec.trim()}" is empty; ${EXPECTED_SPEC}`)

  const perDay: Array<Array<[number, number]>> = [[], [], [], [], [], [], []]
  for (const group of groups) {
    const match = GROUP_RE.exec(group)
    if (!match) throw specError(`"${group}" is not understood; ${EXPECTED_SPEC}`)
    const [, daysText = '', startH = '', startM = '', endH = '', endM = ''] = match
    // digits among the days: groups run together, e.g. "Mon-Fri 09:00-18:00, Sat 10:00-14:00"
    if (/\d/.test(daysText)) throw specError(`"${group}" is not understood; ${EXPECTED_SPEC}`)
    const days = parseDays(daysText, group)
    const start = parseClockTime(startH, startM, group, false)
    const end = parseClockTime(endH, endM, group, true)
    if (end === start) {
      throw specError(`"${group}" is an empty window; the end must be after the start`)
    }
    if (end < start) {
      const daysOut = formatDays(days)
      if (end === 0) {
        throw specError(
          `"${group}" ends at 00:00, before it starts; write midnight as an end as 24:00, e.g. "${daysOut} ${formatMinute(start)}-24:00"`
        )
      }
      const nextDays = formatDays(new Set([...days].map(day => (day + 1) % 7)))
      throw specError(
        `"${group}" ends before it starts; a window cannot cross midnight, so split it into two groups, e.g. "${daysOut} ${formatMinute(start)}-24:00; ${nextDays} 00:00-${formatMinute(end)}"`
      )
    }
    for (const day of days) perDay[day]?.push([start, end])
  }
  const windows = perDay.map(list => Object.freeze(mergeWindows(list)))

  const zoneName = timezone.trim() === '' ? 'UTC' : timezone.trim()
  if (!isValidTimeZone(zoneName)) {
    throw new BusinessHoursError(
      'timezone',
      `"${zoneName}" is not an IANA time zone name, e.g. "Europe/Paris" or "America/New_York"`
    )
  }

  const holidaySet = new Set<string>()
  for (const entry of holidays) {
    for (const text of entry.split(/[\s,]+/)) {
      if (text !== '') holidaySet.add(parseHoliday(text))
    }
  }

  const count = holidaySet.size
  const holidayText = count === 0 ? '' : `, ${count} holiday${count === 1 ? '' : 's'}`
  return {
    windows: Object.freeze(windows),
    timezone: zoneName,
    holidays: holidaySet,
    describe: `${describeWindows(windows)} (${zoneName})${holidayText}`
  }
}

// ---------------------------------------------------------------------------------------------
// Time zones: Luxon's zones give the offset at an instant; the rest is arithmetic on local days

/** A zone's offset (local minus UTC, in ms) at an instant. */
type Offsets = (ms: number) => number

const offsetsByZone = new Map<string, Offsets>()

/**
 * The offsets of a valid zone name, as Luxon reads them from `Intl` (rounded: a historical offset
 * may have seconds). Each read costs an `Intl` formatting and the same instants come back (now,
 * the ends of windows a day apart), so the answers are kept.
 */
function offsetsOf(name: string): Offsets {
  const cached = offsetsByZone.get(name)
  if (cached) return cached
  const zone: Zone = name === 'UTC' ? FixedOffsetZone.utcInstance : IANAZone.create(name)
  if (!zone.isValid) throw new RangeError(`"${name}" is not a time zone known to Intl`)
  const known = new Map<number, number>()
  const offsets: Offsets = zone.isUniversal
    ? ms => Math.round(zone.offset(ms) * MINUTE)
    : ms => {
        let offset = known.get(ms)
        if (offset === undefined) {
          if (known.size >= 50_000) known.clear()
          offset = Math.round(zone.offset(ms) * MINUTE)
          known.set(ms, offset)
        }
        return offset
      }
  offsetsByZone.set(name, offsets)
  return offsets
}

/** Local day number (days since 1970-01-01 on the zone's wall clock) of an instant. */
function localDay(ms: number, offsetAt: Offsets): number {
  return Math.floor((ms + offsetAt(ms)) / DAY)
}

/**
 * The instant at which the wall clock reads `local` (local day * DAY + time of day, in ms): the
 * first occurrence of a repeated reading; for a skipped one, the switch, the first instant that
 * reads later. Candidates come from the offsets a day either side, as Luxon's
 * `DateTime#getPossibleOffsets` finds them (one switch at most within two days).
 */
function instantOf(local: number, offsetAt: Offsets): number {
  const before = offsetAt(local - DAY)
  const after = offsetAt(local + DAY)
  if (before === after) return local - before
  for (const offset of before > after ? [before, after] : [after, before]) {
    if (offsetAt(local - offset) === offset) return local - offset
  }
  // Skipped: Luxon would move the reading forward by the gap's length (02:30 -> 03:30); the clock
  // reads later than `local` from the switch on. Luxon exposes no switch instants, so halve the
  // hour or so between the two readings: the earlier one is before the switch, the later one not.
  let [early, late] = [local - after, local - before]
  while (late - early > 1) {
    const mid = Math.floor((early + late) / 2)
    if (offsetAt(mid) === after) late = mid
    else early = mid
  }
  return late
}

// ---------------------------------------------------------------------------------------------
// Business time

type Intervals = ReadonlyArray<readonly [number, number]>

/**
 * A `BusinessHours` made ready for arithmetic, and the open intervals of the days asked about so
 * far: a sweep asks about the same few days for every ticket, and each costs Luxon a few `Intl`
 * reads. `source` holds the fields it was built from, so a changed value is rebuilt.
 */
interface Calendar {
  readonly source: Pick<BusinessHours, 'windows' | 'timezone' | 'holidays'>
  readonly offsets: Offsets
  /** sorted and merged, also for a `BusinessHours` not built by `parseBusinessHours` */
  readonly windows: ReadonlyArray<Intervals>
  /** local day numbers; entries that are not real YYYY-MM-DD dates are ignored */
  readonly holidays: ReadonlySet<number>
  readonly days: Map<number, Intervals>
}

const calendars = new WeakMap<BusinessHours, Calendar>()

function calendarOf(bh: BusinessHours): Calendar {
  const cached = calendars.get(bh)
  const { windows, timezone, holidays } = bh
  const source = cached?.source
  if (cached && source?.windows === windows && source.timezone === timezone) {
    if (source.holidays === holidays) return cached
  }
  const calendar: Calendar = {
    source: { windows, timezone, holidays },
    offsets: offsetsOf(timezone),
    windows: Array.from({ length: 7 }, (_, day) => mergeWindows(windows[day] ?? [])),
    holidays: new Set([...holidays].flatMap(text => dayNumber(text.trim()) ?? [])),
    days: new Map()
  }
  calendars.set(bh, calendar)
  return calendar
}

function dateKey(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10)
}

function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday
}

/** Real [start, end) intervals (epoch ms) during which local day `day` is open, in order. */
function openIntervals(day: number, calendar: Calendar): Intervals {
  const cached = calendar.days.get(day)
  if (cached) return cached
  const windows = calendar.windows[weekday(day)] ?? []
  const intervals: Array<[number, number]> = []
  if (!calendar.holidays.has(day)) {
    for (const [start, end] of windows) {
      const from = instantOf(day * DAY + start * MINUTE, calendar.offsets)
      const to = instantOf(day * DAY + end * MINUTE, calendar.offsets)
      if (to > from) intervals.push([from, to])
    }
  }
  if (calendar.days.size >= 10_000) calendar.days.clear()
  calendar.days.set(day, intervals)
  return intervals
}

function timeOf(date: Date, name: string): number {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date`)
  return ms
}

function closedTooLong(startDay: number, bh: BusinessHours): BusinessHoursError {
  return new BusinessHoursError(
    'holidays',
    `no business hours in the ${MAX_CLOSED_DAYS} days from ${dateKey(startDay)} with "${bh.describe}"; are all those days holidays?`
  )
}

/** Business milliseconds in [from, to); 0 when `to` <= `from`. */
export function businessMsBetween(from: Date, to: Date, bh: BusinessHours): number {
  const start = timeOf(from, 'from')
  const end = timeOf(to, 'to')
  if (end <= start) return 0
  const calendar = calendarOf(bh)
  const lastDay = localDay(end, calendar.offsets) + 1
  let total = 0
  for (let day = localDay(start, calendar.offsets) - 1; day <= lastDay; day++) {
    for (const [open, close] of openIntervals(day, calendar)) {
      const lo = Math.max(open, start)
      const hi = Math.min(close, end)
      if (hi > lo) total += hi - lo
    }
  }
  return total
}

/** Whether `at` falls inside a window (start included, end excluded) on a non-holiday. */
export function isOpenAt(at: Date, bh: BusinessHours): boolean {
  const ms = timeOf(at, 'at')
  const calendar = calendarOf(bh)
  const day = localDay(ms, calendar.offsets)
  for (let d = day - 1; d <= day + 1; d++) {
    for (const [open, close] of openIntervals(d, calendar)) {
      if (ms >= open && ms < close) return true
    }
  }
  return false
}

/**
 * `at` (as a new Date) when open; otherwise the next instant a window starts, skipping holidays.
 * Throws `BusinessHoursError` when nothing opens within 366 days.
 */
export function nextOpening(at: Date, bh: BusinessHours): Date {
  const ms = timeOf(at, 'at')
  const calendar = calendarOf(bh)
  const firstDay = localDay(ms, calendar.offsets)
  for (let day = firstDay - 1; day <= firstDay + MAX_CLOSED_DAYS; day++) {
    for (const [open, close] of openIntervals(day, calendar)) {
      if (close > ms) return new Date(Math.max(open, ms))
    }
  }
  throw closedTooLong(firstDay, bh)
}

/**
 * The earliest instant at which `ms` business milliseconds have elapsed since `from` (`from` itself
 * for 0). When the count completes exactly at a window's end, that end is returned, not the next
 * opening. Throws `RangeError` for a negative or non-finite `ms`, and `BusinessHoursError` after
 * 366 closed days in a row.
 */
export function addBusinessMs(from: Date, ms: number, bh: BusinessHours): Date {
  const start = timeOf(from, 'from')
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`business milliseconds must be a finite number >= 0, got ${ms}`)
  }
  if (ms === 0) return new Date(start)
  const calendar = calendarOf(bh)
  let remaining = ms
  let closedDays = 0
  for (let day = localDay(start, calendar.offsets) - 1; ; day++) {
    const intervals = openIntervals(day, calendar)
    if (intervals.length === 0) {
      if (++closedDays > MAX_CLOSED_DAYS) throw closedTooLong(day - MAX_CLOSED_DAYS, bh)
      continue
    }
    closedDays = 0
    for (const [open, close] of intervals) {
      const lo = Math.max(open, start)
      if (close <= lo) continue
      if (remaining <= close - lo) return new Date(lo + remaining)
      remaining -= close - lo
    }
  }
}
