/**
 * Business-hours arithmetic: which instants count towards a threshold ("48 business hours since
 * the agent's reply") and when the help desk is open.
 *
 * Pure: no I/O, no clock. All time-zone work goes through `Intl.DateTimeFormat` with `timeZone`.
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
 * The mapping never decreases, so the intervals of successive days never overlap.
 *
 * The zone's UTC offset is read from Intl (`timeZoneName: 'longOffset'`, falling back to
 * `formatToParts`) once per UTC day and cached per zone, so a year costs about 370 reads; the exact
 * instant of a switch is found by bisection to the second, only on days whose offset changes. The
 * one assumption: a zone never switches and switches back within the same UTC day.
 */

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

function parseTime(hours: string, minutes: string, group: string, isEnd: boolean): number {
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
  if (tz.trim() === '') return false
  try {
    zoneOf(tz) // throws RangeError for a zone Intl does not know; caches the ones it does
    return true
  } catch {
    return false
  }
}

function parseHoliday(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const expected = 'expected YYYY-MM-DD, e.g. "2026-12-25"'
  if (!match) throw new BusinessHoursError('holidays', `"${text}" is not a date; ${expected}`)
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const check = new Date(utcMs(year, month, day, 0, 0, 0))
  if (check.getUTCMonth() + 1 !== month || check.getUTCDate() !== day) {
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
    const start = parseTime(startH, startM, group, false)
    const end = parseTime(endH, endM, group, true)
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
// Time zones

/** UTC milliseconds of a proleptic Gregorian date-time (years 0-99 included, unlike Date.UTC). */
function utcMs(year: number, month: number, day: number, h: number, m: number, s: number): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(h, m, s, 0)
  return date.getTime()
}

/** The "GMT", "GMT+05:30" or "GMT-04:56:02" ending a `longOffset` formatted date. */
const OFFSET_RE = /GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/

interface Transition {
  /** first instant with the new offset */
  at: number
  /** offsets (local minus UTC, ms) before and from `at` */
  before: number
  after: number
}

class Zone {
  /** formats e.g. "1/1/2026, GMT-08:00": the cheapest output that carries the offset */
  private readonly offsetFormat: Intl.DateTimeFormat
  /** full wall-clock parts, only for offsets `offsetFormat` does not spell as expected */
  private partsFormat: Intl.DateTimeFormat | undefined
  /** offset at the start of UTC day u */
  private readonly samples = new Map<number, number>()
  /** switches within UTC day u */
  private readonly switches = new Map<number, readonly Transition[]>()

  constructor(private readonly name: string) {
    this.offsetFormat = new Intl.DateTimeFormat('en-US-u-nu-latn', {
      timeZone: name,
      timeZoneName: 'longOffset'
    })
  }

  /** Offset (local minus UTC, ms) at an instant, read from Intl. */
  private readOffset(ms: number): number {
    const match = OFFSET_RE.exec(this.offsetFormat.format(ms))
    if (match) {
      const [, sign, h = '0', m = '0', s = '0'] = match
      return (sign === '-' ? -1 : 1) * ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000
    }
    return this.readOffsetFromParts(ms)
  }

  private readOffsetFromParts(ms: number): number {
    this.partsFormat ??= new Intl.DateTimeFormat('en-US-u-nu-latn', {
      timeZone: this.name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    const values = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 }
    for (const part of this.partsFormat.formatToParts(ms)) {
      if (part.type in values) values[part.type as keyof typeof values] = Number(part.value)
    }
    const hour = values.hour === 24 ? 0 : values.hour
    const local = utcMs(values.year, values.month, values.day, hour, values.minute, values.second)
    return local - Math.floor(ms / 1000) * 1000
  }

  private sample(u: number): number {
    let offset = this.samples.get(u)
    if (offset === undefined) {
      if (this.samples.size > 100_000) this.samples.clear()
      offset = this.readOffset(u * DAY)
      this.samples.set(u, offset)
    }
    return offset
  }

  private switchesOn(u: number): readonly Transition[] {
    const cached = this.switches.get(u)
    if (cached) return cached
    const found: Transition[] = []
    const endOffset = this.sample(u + 1)
    let lo = u * DAY
    let loOffset = this.sample(u)
    while (loOffset !== endOffset && found.length < 8) {
      // invariant: offset(lo) === loOffset, offset(hi) !== loOffset; bisect to the second
      let hi = (u + 1) * DAY
      let hiOffset = endOffset
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000
        const midOffset = this.readOffset(mid)
        if (midOffset === loOffset) lo = mid
        else [hi, hiOffset] = [mid, midOffset]
      }
      found.push({ at: hi, before: loOffset, after: hiOffset })
      lo = hi
      loOffset = hiOffset
    }
    if (this.switches.size > 100_000) this.switches.clear()
    this.switches.set(u, found)
    return found
  }

  /** Offset (local minus UTC, ms) in force at an instant. */
  offsetAt(ms: number): number {
    const u = Math.floor(ms / DAY)
    let offset = this.sample(u)
    for (const transition of this.switchesOn(u)) {
      if (ms < transition.at) break
      offset = transition.after
    }
    return offset
  }

  /** Local day number (days since 1970-01-01 on the zone's wall clock) of an instant. */
  localDay(ms: number): number {
    return Math.floor((ms + this.offsetAt(ms)) / DAY)
  }

  /**
   * The instant of a local wall-clock time given as "local ms" (local day * DAY + time of day):
   * first occurrence when repeated, the switch instant when skipped.
   */
  toInstant(local: number): number {
    const u = Math.floor(local / DAY)
    // offsets stay within ±1 day, so the instant lies in UTC days u-1 .. u+1
    const before = this.switchesOn(u - 1)
    const during = this.switchesOn(u)
    const after = this.switchesOn(u + 1)
    let offset = this.sample(u - 1)
    if (before.length + during.length + after.length === 0) return local - offset
    const transitions = [...before, ...during, ...after]
    let best: number | undefined
    let gap: number | undefined
    let segmentStart = (u - 1) * DAY
    for (let i = 0; i <= transitions.length; i++) {
      const transition = transitions[i]
      const segmentEnd = transition ? transition.at : (u + 2) * DAY
      const candidate = local - offset
      if (candidate >= segmentStart && candidate < segmentEnd) {
        best = best === undefined ? candidate : Math.min(best, candidate)
      }
      if (!transition) break
      if (local >= transition.at + transition.before && local < transition.at + transition.after) {
        gap ??= transition.at
      }
      offset = transition.after
      segmentStart = transition.at
    }
    return best ?? gap ?? local - offset
  }
}

const zones = new Map<string, Zone>()

function zoneOf(name: string): Zone {
  let zone = zones.get(name)
  if (!zone) {
    zone = new Zone(name)
    zones.set(name, zone)
  }
  return zone
}

// ---------------------------------------------------------------------------------------------
// Business time

const normalized = new WeakMap<object, ReadonlyArray<ReadonlyArray<readonly [number, number]>>>()

/** Windows sorted and merged, also for a `BusinessHours` not built by `parseBusinessHours`. */
function windowsOf(bh: BusinessHours): ReadonlyArray<ReadonlyArray<readonly [number, number]>> {
  let windows = normalized.get(bh.windows)
  if (!windows) {
    windows = Array.from({ length: 7 }, (_, day) => mergeWindows(bh.windows[day] ?? []))
    normalized.set(bh.windows, windows)
  }
  return windows
}

const holidayDays = new WeakMap<ReadonlySet<string>, ReadonlySet<number>>()

/** The holidays as local day numbers (entries that are not YYYY-MM-DD are ignored). */
function holidayDaysOf(bh: BusinessHours): ReadonlySet<number> {
  let days = holidayDays.get(bh.holidays)
  if (!days) {
    days = new Set(
      [...bh.holidays].flatMap(text => {
        const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim())
        if (!match) return []
        return [utcMs(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0) / DAY]
      })
    )
    holidayDays.set(bh.holidays, days)
  }
  return days
}

function dateKey(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10)
}

function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday
}

/** Real [start, end) intervals (epoch ms) during which local day `day` is open, in order. */
function openIntervals(day: number, bh: BusinessHours, zone: Zone): Array<[number, number]> {
  const windows = windowsOf(bh)[weekday(day)] ?? []
  if (windows.length === 0 || holidayDaysOf(bh).has(day)) return []
  const intervals: Array<[number, number]> = []
  for (const [start, end] of windows) {
    const from = zone.toInstant(day * DAY + start * MINUTE)
    const to = zone.toInstant(day * DAY + end * MINUTE)
    if (to > from) intervals.push([from, to])
  }
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
  const zone = zoneOf(bh.timezone)
  const lastDay = zone.localDay(end) + 1
  let total = 0
  for (let day = zone.localDay(start) - 1; day <= lastDay; day++) {
    for (const [open, close] of openIntervals(day, bh, zone)) {
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
  const zone = zoneOf(bh.timezone)
  const day = zone.localDay(ms)
  for (let d = day - 1; d <= day + 1; d++) {
    for (const [open, close] of openIntervals(d, bh, zone)) {
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
  const zone = zoneOf(bh.timezone)
  const firstDay = zone.localDay(ms)
  for (let day = firstDay - 1; day <= firstDay + MAX_CLOSED_DAYS; day++) {
    for (const [open, close] of openIntervals(day, bh, zone)) {
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
  const zone = zoneOf(bh.timezone)
  let remaining = ms
  let closedDays = 0
  for (let day = zone.localDay(start) - 1; ; day++) {
    const intervals = openIntervals(day, bh, zone)
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
