/**
 * Business-hours arithmetic: which instants count towards a threshold ("48 business hours since
 * the agent's reply") and when the help desk is open. Pure: no I/O, no clock. The zone arithmetic
 * is the Temporal API's (temporal-polyfill, or the runtime's own Temporal), which also gives the
 * instant a zone switches at: this module holds no transition data and searches for none.
 *
 * A local day `n` (days since 1970-01-01 on the zone's wall clock) has its weekday's windows unless
 * it is a holiday; a window [start, end) of local minutes is the real interval between the instants
 * at which the wall clock reads them. A repeated reading (fall back) is its first occurrence; a
 * skipped one (spring forward) is the switch, so 02:30-04:00 on a day where 02:00 jumps to 03:00
 * opens at 03:00.
 */

import { Temporal } from 'temporal-polyfill'

const DAY = 86_400_000
const MINUTES_PER_DAY = 1440
/** How far `nextOpening` looks, and how many closed days in a row `addBusinessMs` tolerates. */
const MAX_CLOSED_DAYS = 366

type Window = readonly [number, number]

export interface BusinessHours {
  /** per weekday 0=Sunday..6=Saturday: [startMinute, endMinute) windows in local time, end <= 1440 */
  windows: ReadonlyArray<ReadonlyArray<Window>>
  timezone: string
  /** 'YYYY-MM-DD' local dates on which nothing is open */
  holidays: ReadonlySet<string>
  /** the normalized text, for the job summary, e.g. "Mon-Fri 09:00-18:00 (Europe/Paris), 2 holidays" */
  describe: string
}

/** A configuration error; the message starts with the input's name, e.g. `timezone: ...`. */
export class BusinessHoursError extends Error {
  constructor(
    readonly input: 'business-hours' | 'timezone' | 'holidays',
    message: string
  ) {
    super(`${input}: ${message}`)
    this.name = 'BusinessHoursError'
  }
}

export const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const DAY_FULL = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
/** Display order: Monday first. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const

const EXPECTED_SPEC =
  'expected days and hours like "Mon-Fri 09:00-18:00" (several groups separated by ";")'
const EXPECTED_DAY = 'expected Mon, Tue, Wed, Thu, Fri, Sat, Sun or a full name like "Monday"'
const GROUP_RE = /^(.+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/

const specError = (message: string): BusinessHoursError =>
  new BusinessHoursError('business-hours', message)

/** `Mon`, `Mon-Fri`, `Fri-Mon` (wraps), `Mon,Wed,Fri`, `Mon-Wed,Fri` → set of weekdays. */
function parseDays(text: string, group: string): Set<number> {
  const dayIndex = (name: string): number => {
    const index = DAY_FULL.findIndex(full => [full, full.slice(0, 3)].includes(name.toLowerCase()))
    if (index < 0) throw specError(`"${name}" in "${group}" is not a day; ${EXPECTED_DAY}`)
    return index
  }
  const days = new Set<number>()
  for (const item of text.split(',')) {
    const ends = item.split('-').map(part => part.trim())
    if (ends.length > 2 || ends.some(part => part === '')) {
      throw specError(
        `"${item.trim()}" in "${group}" is not a day or a range of days; ${EXPECTED_DAY}, a range like "Mon-Fri" or a list like "Mon,Wed,Fri"`
      )
    }
    const last = dayIndex(ends[1] ?? ends[0]!)
    for (let day = dayIndex(ends[0]!); ; day = (day + 1) % 7) {
      days.add(day)
      if (day === last) break
    }
  }
  return days
}

function parseClockTime(hours: string, minutes: string, group: string, isEnd: boolean): number {
  const value = Number(hours) * 60 + Number(minutes)
  if (Number(minutes) >= 60 || (Number(hours) >= 24 && !(isEnd && value === MINUTES_PER_DAY))) {
    throw specError(
      `"${hours}:${minutes}" in "${group}" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)`
    )
  }
  return value
}

const formatMinute = (minute: number): string =>
  [Math.floor(minute / 60), minute % 60].map(n => String(n).padStart(2, '0')).join(':')

/** Weekdays as compact text, Monday first, consecutive days as ranges (wrapping: "Fri-Mon"). */
function formatDays(days: ReadonlySet<number>): string {
  const present = WEEK_ORDER.map(day => days.has(day))
  if (present.every(Boolean)) return 'Mon-Sun'
  const runs: string[] = []
  for (let p = 0; p < 7; p++) {
    if (!present[p] || present[(p + 6) % 7]) continue // a run starts after an absent day
    let end = p
    while (present[(end + 1) % 7]) end = (end + 1) % 7
    const [first, last] = [DAY_SHORT[WEEK_ORDER[p]!], DAY_SHORT[WEEK_ORDER[end]!]]
    runs.push(end === p ? first : `${first}-${last}`)
  }
  return runs.join(',')
}

/** Sorted, non-overlapping, non-empty windows (touching or overlapping ones merged). */
function mergeWindows(list: ReadonlyArray<Window>): Array<[number, number]> {
  const sorted = list
    .map(([start, end]): [number, number] => [Math.max(0, start), Math.min(MINUTES_PER_DAY, end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const merged: Array<[number, number]> = []
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1]
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

function describeWindows(windows: ReadonlyArray<ReadonlyArray<Window>>): string {
  const daysByWindow = new Map<string, Set<number>>()
  for (const day of WEEK_ORDER) {
    for (const [start, end] of windows[day] ?? []) {
      const key = `${formatMinute(start)}-${formatMinute(end)}`
      daysByWindow.set(key, (daysByWindow.get(key) ?? new Set()).add(day))
    }
  }
  return [...daysByWindow].map(([window, days]) => `${formatDays(days)} ${window}`).join('; ')
}

/** `read()`'s value, or undefined when Temporal refuses its text (a RangeError). */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch (error) {
    if (error instanceof RangeError) return undefined
    throw error
  }
}

/** True for an IANA name the runtime knows, such as "Europe/Paris" or "UTC" (any case). */
export function isValidTimeZone(tz: string): boolean {
  // the constructor takes identifiers only (`from()` would take "2020-01-01T00:00Z" too), and
  // UTC offsets such as "+05:30", which the input never accepted
  return !/^[+-]/.test(tz) && attempt(() => new Temporal.ZonedDateTime(0n, tz)) !== undefined
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
const EPOCH = Temporal.PlainDate.from('1970-01-01')

/** Days since 1970-01-01 of a real `YYYY-MM-DD` date; undefined for anything else. */
const dayNumber = (text: string): number | undefined =>
  DATE_RE.test(text) ? attempt(() => Temporal.PlainDate.from(text).since(EPOCH).days) : undefined

function parseHoliday(text: string): string {
  const expected = 'expected YYYY-MM-DD, e.g. "2026-12-25"'
  if (dayNumber(text) !== undefined) return text
  const problem = DATE_RE.test(text) ? 'is not a real calendar date' : 'is not a date'
  throw new BusinessHoursError('holidays', `"${text}" ${problem}; ${expected}`)
}

/** One `DAYS HH:MM-HH:MM` group: its weekdays and window. */
function parseGroup(group: string): { days: Set<number>; start: number; end: number } {
  const match = GROUP_RE.exec(group)
  // digits among the days: groups run together, e.g. "Mon-Fri 09:00-18:00, Sat 10:00-14:00"
  if (!match || /\d/.test(match[1]!))
    throw specError(`"${group}" is not understood; ${EXPECTED_SPEC}`)
  const [, daysText, startH, startM, endH, endM] = match
  const days = parseDays(daysText!, group)
  const start = parseClockTime(startH!, startM!, group, false)
  const end = parseClockTime(endH!, endM!, group, true)
  if (end === start)
    throw specError(`"${group}" is an empty window; the end must be after the start`)
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
  return { days, start, end }
}

/**
 * Parses the `business-hours`, `timezone` and `holidays` inputs. `spec`: groups separated by `;`
 * or newlines, case-insensitive; overlapping or touching windows of a day are merged. An empty
 * `timezone` is UTC. A holidays entry may hold several dates separated by commas or whitespace.
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
  for (const { days, start, end } of groups.map(parseGroup)) {
    for (const day of days) perDay[day]!.push([start, end])
  }
  const windows = Object.freeze(perDay.map(list => Object.freeze(mergeWindows(list))))

  const zoneName = timezone.trim() || 'UTC'
  if (!isValidTimeZone(zoneName)) {
    throw new BusinessHoursError(
      'timezone',
      `"${zoneName}" is not an IANA time zone name, e.g. "Europe/Paris" or "America/New_York"`
    )
  }
  const dates = holidays.flatMap(entry => entry.split(/[\s,]+/)).filter(text => text !== '')
  const holidaySet = new Set(dates.map(parseHoliday))
  const count = holidaySet.size
  const holidayText = count === 0 ? '' : `, ${count} holiday${count === 1 ? '' : 's'}`
  return {
    windows,
    timezone: zoneName,
    holidays: holidaySet,
    describe: `${describeWindows(windows)} (${zoneName})${holidayText}`
  }
}

/**
 * The instant (epoch ms) at which the wall clock of `tz` reads `minute` of local day `day`: the
 * first of a repeated reading; for a skipped one, the switch, i.e. the next transition after its
 * 'earlier' instant (the reading moved back by the gap, always before the switch).
 */
function instantOf(day: number, minute: number, tz: string): number {
  const reading = EPOCH.add({ days: day }).toPlainDateTime().add({ minutes: minute })
  const earlier = reading.toZonedDateTime(tz, { disambiguation: 'earlier' })
  if (earlier.toPlainDateTime().equals(reading)) return earlier.epochMilliseconds
  return earlier.getTimeZoneTransition('next')!.epochMilliseconds
}

type Intervals = ReadonlyArray<Window>

/**
 * A `BusinessHours` made ready for arithmetic: `open(day)` gives the real [start, end) intervals
 * (epoch ms) during which local day `day` is open, kept (a sweep asks about the same few days for
 * every ticket). `source`: the fields it was built from, so a changed value is rebuilt.
 */
interface Calendar {
  source: [BusinessHours['windows'], string, BusinessHours['holidays']]
  /** the local day number (days since 1970-01-01 on the zone's wall clock) of an instant */
  localDay: (ms: number) => number
  open: (day: number) => Intervals
}

const calendars = new WeakMap<BusinessHours, Calendar>()

function calendarOf(bh: BusinessHours): Calendar {
  const source: Calendar['source'] = [bh.windows, bh.timezone, bh.holidays]
  const cached = calendars.get(bh)
  if (cached?.source.every((field, i) => field === source[i])) return cached
  const tz = bh.timezone
  if (!isValidTimeZone(tz)) throw new RangeError(`"${tz}" is not a time zone known to Intl`)
  // merged again: a value may be built by hand; holidays that are not real dates are ignored
  const windows = Array.from({ length: 7 }, (_, day) => mergeWindows(bh.windows[day] ?? []))
  const holidays = new Set([...bh.holidays].flatMap(text => dayNumber(text.trim()) ?? []))
  const days = new Map<number, Intervals>()
  const open = (day: number): Intervals => {
    const known = days.get(day)
    if (known) return known
    const weekday = (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday
    const intervals: Array<[number, number]> = []
    for (const [start, end] of holidays.has(day) ? [] : windows[weekday]!) {
      const from = instantOf(day, start, tz)
      const to = instantOf(day, end, tz)
      if (to > from) intervals.push([from, to])
    }
    if (days.size >= 10_000) days.clear()
    days.set(day, intervals)
    return intervals
  }
  const localDay = (ms: number): number => {
    const { offsetNanoseconds } = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz)
    return Math.floor((ms + offsetNanoseconds / 1e6) / DAY)
  }
  const calendar = { source, localDay, open }
  calendars.set(bh, calendar)
  return calendar
}

function timeOf(date: Date, name: string): number {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date`)
  return ms
}

/** The open intervals of each local day, from the day before `ms`'s on. */
function* intervalsFrom(ms: number, bh: BusinessHours) {
  const { localDay, open } = calendarOf(bh)
  for (let day = localDay(ms) - 1; ; day++) {
    yield { day, intervals: open(day) }
  }
}

function closedTooLong(startDay: number, bh: BusinessHours): BusinessHoursError {
  const from = new Date(startDay * DAY).toISOString().slice(0, 10)
  return new BusinessHoursError(
    'holidays',
    `no business hours in the ${MAX_CLOSED_DAYS} days from ${from} with "${bh.describe}"; are all those days holidays?`
  )
}

/** Business milliseconds in [from, to); 0 when `to` <= `from`. */
export function businessMsBetween(from: Date, to: Date, bh: BusinessHours): number {
  const start = timeOf(from, 'from')
  const end = timeOf(to, 'to')
  if (end <= start) return 0
  const lastDay = calendarOf(bh).localDay(end) + 1
  let total = 0
  for (const { day, intervals } of intervalsFrom(start, bh)) {
    if (day > lastDay) break
    for (const [open, close] of intervals)
      total += Math.max(0, Math.min(close, end) - Math.max(open, start))
  }
  return total
}

/** Whether `at` falls inside a window (start included, end excluded) on a non-holiday. */
export function isOpenAt(at: Date, bh: BusinessHours): boolean {
  const ms = timeOf(at, 'at')
  return businessMsBetween(at, new Date(ms + 1), bh) > 0
}

/**
 * `at` (as a new Date) when open; otherwise the next instant a window starts, skipping holidays.
 * Throws `BusinessHoursError` when nothing opens within 366 days.
 */
export function nextOpening(at: Date, bh: BusinessHours): Date {
  const ms = timeOf(at, 'at')
  const firstDay = calendarOf(bh).localDay(ms)
  for (const { day, intervals } of intervalsFrom(ms, bh)) {
    if (day > firstDay + MAX_CLOSED_DAYS) throw closedTooLong(firstDay, bh)
    const open = intervals.find(([, close]) => close > ms)
    if (open) return new Date(Math.max(open[0], ms))
  }
  throw new Error('unreachable')
}

/**
 * The earliest instant at which `ms` business milliseconds have elapsed since `from` (`from` itself
 * for 0); a count that completes at a window's end returns that end. Throws `RangeError` for a
 * negative or non-finite `ms`, and `BusinessHoursError` after 366 closed days in a row.
 */
export function addBusinessMs(from: Date, ms: number, bh: BusinessHours): Date {
  const start = timeOf(from, 'from')
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`business milliseconds must be a finite number >= 0, got ${ms}`)
  }
  if (ms === 0) return new Date(start)
  let remaining = ms
  let closedDays = 0
  for (const { day, intervals } of intervalsFrom(start, bh)) {
    closedDays = intervals.length === 0 ? closedDays + 1 : 0
    if (closedDays > MAX_CLOSED_DAYS) throw closedTooLong(day - MAX_CLOSED_DAYS, bh)
    for (const [open, close] of intervals) {
      const lo = Math.max(open, start)
      if (close <= lo) continue
      if (remaining <= close - lo) return new Date(lo + remaining)
      remaining -= close - lo
    }
  }
  throw new Error('unreachable')
}
