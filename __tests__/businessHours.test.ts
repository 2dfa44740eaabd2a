import { describe, expect, it } from '@jest/globals'
import {
  addBusinessMs,
  BusinessHoursError,
  businessMsBetween,
  isOpenAt,
  isValidTimeZone,
  nextOpening,
  parseBusinessHours,
  type BusinessHours
} from '../src/businessHours.js'

const H = 3_600_000
const MIN = 60_000

const at = (iso: string): Date => new Date(iso)
const bh = (spec: string, timezone = 'UTC', holidays: string[] = []): BusinessHours =>
  parseBusinessHours(spec, timezone, holidays)

/** windows by weekday name, only the days that have some */
function windowsByDay(hours: BusinessHours): Record<string, Array<[number, number]>> {
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const out: Record<string, Array<[number, number]>> = {}
  hours.windows.forEach((list, day) => {
    if (list.length > 0) out[names[day] ?? '?'] = list.map(([s, e]) => [s, e])
  })
  return out
}

const NINE_TO_SIX: [number, number] = [9 * 60, 18 * 60]
const WEEKDAYS = {
  Mon: [NINE_TO_SIX],
  Tue: [NINE_TO_SIX],
  Wed: [NINE_TO_SIX],
  Thu: [NINE_TO_SIX],
  Fri: [NINE_TO_SIX]
}

describe('parseBusinessHours: accepted forms', () => {
  it.each<[string, Record<string, Array<[number, number]>>]>([
    ['Mon-Fri 09:00-18:00', WEEKDAYS],
    ['  mon - FRI   09:00 - 18:00  ', WEEKDAYS],
    ['Monday-Friday 09:00-18:00', WEEKDAYS],
    ['Mon-Fri 9:00-18:00', WEEKDAYS],
    ['Mon,Tue,Wed,Thu,Fri 09:00-18:00', WEEKDAYS],
    ['Mon-Wed, Thu,Fri 09:00-18:00', WEEKDAYS],
    ['Mon 09:00-18:00; Tue-Fri 09:00-18:00;', WEEKDAYS],
    ['Mon-Fri 09:00-12:00\nMon-Fri 12:00-18:00', WEEKDAYS], // touching windows merge
    ['Mon-Fri 09:00-15:00\r\nMon-Fri 10:00-18:00', WEEKDAYS], // overlapping windows merge
    ['Sat-Sun 10:00-14:00', { Sun: [[600, 840]], Sat: [[600, 840]] }],
    [
      'Fri-Mon 08:00-12:00',
      { Sun: [[480, 720]], Mon: [[480, 720]], Fri: [[480, 720]], Sat: [[480, 720]] }
    ],
    ['Mon,Wed,Fri 09:00-17:00', { Mon: [[540, 1020]], Wed: [[540, 1020]], Fri: [[540, 1020]] }],
    [
      'Mon-Wed,Fri 09:00-17:00',
      { Mon: [[540, 1020]], Tue: [[540, 1020]], Wed: [[540, 1020]], Fri: [[540, 1020]] }
    ],
    [
      'Mon-Sun 00:00-24:00',
      Object.fromEntries(
        ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].map(d => [d, [[0, 1440]]])
      )
    ],
    [
      'Mon 13:00-18:00; mon 09:00-12:00',
      {
        Mon: [
          [540, 720],
          [780, 1080]
        ]
      }
    ]
  ])('%j', (spec, expected) => {
    expect(windowsByDay(bh(spec))).toEqual(expected)
  })

  it.each<[string, string, string[], string]>([
    [
      'Mon-Fri 09:00-18:00',
      'Europe/Paris',
      ['2026-12-25', '2026-12-26'],
      'Mon-Fri 09:00-18:00 (Europe/Paris), 2 holidays'
    ],
    ['monday - friday 9:00-18:00', '', [], 'Mon-Fri 09:00-18:00 (UTC)'],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-12-25', ' 2026-12-25 '],
      'Mon-Fri 09:00-18:00 (UTC), 1 holiday'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-12-25, 2026-12-26', '', '2027-01-01'],
      'Mon-Fri 09:00-18:00 (UTC), 3 holidays'
    ],
    [
      'Sat 10:00-14:00; Mon-Fri 09:00-18:00',
      'UTC',
      [],
      'Mon-Fri 09:00-18:00; Sat 10:00-14:00 (UTC)'
    ],
    ['Fri-Mon 08:00-12:00', 'UTC', [], 'Fri-Mon 08:00-12:00 (UTC)'],
    ['Mon-Wed,Fri 09:00-17:00', 'UTC', [], 'Mon-Wed,Fri 09:00-17:00 (UTC)'],
    ['Mon-Sun 00:00-24:00', 'UTC', [], 'Mon-Sun 00:00-24:00 (UTC)'],
    [
      'Mon-Fri 09:00-12:00; Mon-Thu 13:00-18:00; Fri 13:00-16:00',
      'America/New_York',
      [],
      'Mon-Fri 09:00-12:00; Mon-Thu 13:00-18:00; Fri 13:00-16:00 (America/New_York)'
    ]
  ])('describes %j in %j with holidays %j as %j', (spec, tz, holidays, describe) => {
    const hours = parseBusinessHours(spec, tz, holidays)
    expect(hours.describe).toBe(describe)
    // the description is itself a valid spec with the same windows
    const again = parseBusinessHours(describe.replace(/ \(.*$/, ''), tz, [])
    expect(again.windows).toEqual(hours.windows)
  })

  it('keeps holidays as a set of YYYY-MM-DD strings and empty timezone as UTC', () => {
    const hours = bh('Mon-Fri 09:00-18:00', ' ', ['2026-12-25', '2028-02-29'])
    expect([...hours.holidays]).toEqual(['2026-12-25', '2028-02-29'])
    expect(hours.timezone).toBe('UTC')
  })
})

describe('parseBusinessHours: errors name their input', () => {
  const SPEC_HINT =
    'expected days and hours like "Mon-Fri 09:00-18:00" (several groups separated by ";")'
  it.each<[string, string, string[], 'business-hours' | 'timezone' | 'holidays', string]>([
    [
      'Mon-Fri 9-18',
      'UTC',
      [],
      'business-hours',
      `business-hours: "Mon-Fri 9-18" is not understood; ${SPEC_HINT}`
    ],
    ['', 'UTC', [], 'business-hours', `business-hours: "" is empty; ${SPEC_HINT}`],
    [' ;\n ', 'UTC', [], 'business-hours', `business-hours: ";" is empty; ${SPEC_HINT}`],
    [
      '09:00-18:00',
      'UTC',
      [],
      'business-hours',
      `business-hours: "09:00-18:00" is not understood; ${SPEC_HINT}`
    ],
    [
      'Mon-Fri',
      'UTC',
      [],
      'business-hours',
      `business-hours: "Mon-Fri" is not understood; ${SPEC_HINT}`
    ],
    [
      'Mon-Fri 09:00',
      'UTC',
      [],
      'business-hours',
      `business-hours: "Mon-Fri 09:00" is not understood; ${SPEC_HINT}`
    ],
    [
      'Mon-Fri 09:00-18:00; Sat 10-14',
      'UTC',
      [],
      'business-hours',
      `business-hours: "Sat 10-14" is not understood; ${SPEC_HINT}`
    ],
    [
      'Mon-Fri 09:00-18:00, Sat 10:00-14:00',
      'UTC',
      [],
      'business-hours',
      `business-hours: "Mon-Fri 09:00-18:00, Sat 10:00-14:00" is not understood; ${SPEC_HINT}`
    ],
    [
      'Mon-Fry 09:00-18:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Fry" in "Mon-Fry 09:00-18:00" is not a day; expected Mon, Tue, Wed, Thu, Fri, Sat, Sun or a full name like "Monday"'
    ],
    [
      'Mon-Wed-Fri 09:00-18:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Mon-Wed-Fri" in "Mon-Wed-Fri 09:00-18:00" is not a day or a range of days; expected Mon, Tue, Wed, Thu, Fri, Sat, Sun or a full name like "Monday", a range like "Mon-Fri" or a list like "Mon,Wed,Fri"'
    ],
    [
      'Mon,,Fri 09:00-18:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "" in "Mon,,Fri 09:00-18:00" is not a day or a range of days; expected Mon, Tue, Wed, Thu, Fri, Sat, Sun or a full name like "Monday", a range like "Mon-Fri" or a list like "Mon,Wed,Fri"'
    ],
    [
      'Mon-Fri 09:00-25:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "25:00" in "Mon-Fri 09:00-25:00" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)'
    ],
    [
      'Mon-Fri 09:60-18:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "09:60" in "Mon-Fri 09:60-18:00" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)'
    ],
    [
      'Mon 24:00-24:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "24:00" in "Mon 24:00-24:00" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)'
    ],
    [
      'Mon 09:00-24:30',
      'UTC',
      [],
      'business-hours',
      'business-hours: "24:30" in "Mon 09:00-24:30" is not a time of day; expected HH:MM from 00:00 to 23:59 (24:00 is allowed as an end)'
    ],
    [
      'Mon-Fri 18:00-09:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Mon-Fri 18:00-09:00" ends before it starts; a window cannot cross midnight, so split it into two groups, e.g. "Mon-Fri 18:00-24:00; Tue-Sat 00:00-09:00"'
    ],
    [
      'Sat-Sun 22:00-02:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Sat-Sun 22:00-02:00" ends before it starts; a window cannot cross midnight, so split it into two groups, e.g. "Sat-Sun 22:00-24:00; Sun-Mon 00:00-02:00"'
    ],
    [
      'Mon-Fri 18:00-00:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Mon-Fri 18:00-00:00" ends at 00:00, before it starts; write midnight as an end as 24:00, e.g. "Mon-Fri 18:00-24:00"'
    ],
    [
      'Mon 09:00-09:00',
      'UTC',
      [],
      'business-hours',
      'business-hours: "Mon 09:00-09:00" is an empty window; the end must be after the start'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'Europe/Pariss',
      [],
      'timezone',
      'timezone: "Europe/Pariss" is not an IANA time zone name, e.g. "Europe/Paris" or "America/New_York"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'CET+1',
      [],
      'timezone',
      'timezone: "CET+1" is not an IANA time zone name, e.g. "Europe/Paris" or "America/New_York"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-02-30'],
      'holidays',
      'holidays: "2026-02-30" is not a real calendar date; expected YYYY-MM-DD, e.g. "2026-12-25"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2027-02-29'],
      'holidays',
      'holidays: "2027-02-29" is not a real calendar date; expected YYYY-MM-DD, e.g. "2026-12-25"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-13-01'],
      'holidays',
      'holidays: "2026-13-01" is not a real calendar date; expected YYYY-MM-DD, e.g. "2026-12-25"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-12-25', '25/12/2026'],
      'holidays',
      'holidays: "25/12/2026" is not a date; expected YYYY-MM-DD, e.g. "2026-12-25"'
    ],
    [
      'Mon-Fri 09:00-18:00',
      'UTC',
      ['2026-1-5'],
      'holidays',
      'holidays: "2026-1-5" is not a date; expected YYYY-MM-DD, e.g. "2026-12-25"'
    ]
  ])('%j / %j / %j → %s error', (spec, tz, holidays, input, message) => {
    let caught: unknown
    try {
      parseBusinessHours(spec, tz, holidays)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(BusinessHoursError)
    expect(caught).toBeInstanceOf(Error)
    const error = caught as BusinessHoursError
    expect(error.input).toBe(input)
    expect(error.name).toBe('BusinessHoursError')
    expect(error.message).toBe(message)
  })
})

describe('isValidTimeZone', () => {
  it.each<[string, boolean]>([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/New_York', true],
    ['Asia/Kolkata', true],
    ['Europe/Pariss', false],
    ['', false],
    ['Mars/Olympus_Mons', false]
  ])('%j → %s', (tz, valid) => {
    expect(isValidTimeZone(tz)).toBe(valid)
  })
})

describe('business time in UTC, Mon-Fri 09:00-18:00', () => {
  // 2026-01-09 is a Friday
  const office = bh('Mon-Fri 09:00-18:00')
  const withHoliday = bh('Mon-Fri 09:00-18:00', 'UTC', ['2026-01-12'])
  const allDay = bh('Mon-Fri 00:00-24:00')

  it.each<[string, BusinessHours, string, number, string]>([
    // Fri 17-18 = 1h, Mon-Fri 5 x 9h = 45h (46h at Fri 16th 18:00), Mon 19th 09-11 = 2h
    [
      'Friday 17:00 + 48h, 9-hour days → Monday 11:00 a week later',
      office,
      '2026-01-09T17:00:00Z',
      48 * H,
      '2026-01-19T11:00:00Z'
    ],
    // Fri 17-24 = 7h, Mon 24h = 31h, Tue 00-17 = 17h
    [
      'Friday 17:00 + 48h, 24-hour weekdays → Tuesday 17:00',
      allDay,
      '2026-01-09T17:00:00Z',
      48 * H,
      '2026-01-13T17:00:00Z'
    ],
    [
      'across a weekend: Friday 17:00 + 3h → Monday 11:00',
      office,
      '2026-01-09T17:00:00Z',
      3 * H,
      '2026-01-12T11:00:00Z'
    ],
    [
      'from Saturday: counts from Monday 09:00',
      office,
      '2026-01-10T12:00:00Z',
      3 * H,
      '2026-01-12T12:00:00Z'
    ],
    [
      'before opening: Monday 07:00 + 1h → 10:00',
      office,
      '2026-01-12T07:00:00Z',
      1 * H,
      '2026-01-12T10:00:00Z'
    ],
    [
      'after closing: Monday 19:00 + 1h → Tuesday 10:00',
      office,
      '2026-01-12T19:00:00Z',
      1 * H,
      '2026-01-13T10:00:00Z'
    ],
    [
      'exactly a day: Monday 09:00 + 9h → Monday 18:00 (the end, not the next opening)',
      office,
      '2026-01-12T09:00:00Z',
      9 * H,
      '2026-01-12T18:00:00Z'
    ],
    [
      'a minute more: Monday 09:00 + 9h01 → Tuesday 09:01',
      office,
      '2026-01-12T09:00:00Z',
      9 * H + MIN,
      '2026-01-13T09:01:00Z'
    ],
    [
      'holiday Monday skipped: Friday 17:00 + 2h → Tuesday 10:00',
      withHoliday,
      '2026-01-09T17:00:00Z',
      2 * H,
      '2026-01-13T10:00:00Z'
    ],
    [
      'zero from a closed instant stays put',
      office,
      '2026-01-10T12:00:00Z',
      0,
      '2026-01-10T12:00:00Z'
    ],
    [
      'zero from an open instant stays put',
      office,
      '2026-01-12T10:30:00Z',
      0,
      '2026-01-12T10:30:00Z'
    ]
  ])('%s', (_name, hours, from, ms, due) => {
    expect(addBusinessMs(at(from), ms, hours).toISOString()).toBe(at(due).toISOString())
    expect(businessMsBetween(at(from), at(due), hours)).toBe(ms)
  })

  it.each<[string, string, string, number]>([
    ['same instant', '2026-01-12T10:00:00Z', '2026-01-12T10:00:00Z', 0],
    ['to before from', '2026-01-13T10:00:00Z', '2026-01-12T10:00:00Z', 0],
    ['inside one window', '2026-01-12T10:00:00Z', '2026-01-12T12:30:00Z', 2.5 * H],
    ['a whole weekend', '2026-01-10T00:00:00Z', '2026-01-12T00:00:00Z', 0],
    ['Friday 12:00 → Monday 12:00', '2026-01-09T12:00:00Z', '2026-01-12T12:00:00Z', 9 * H],
    ['one calendar week', '2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z', 45 * H],
    ['the window end is excluded', '2026-01-12T17:00:00Z', '2026-01-12T18:00:00.001Z', 1 * H],
    ['the window start is included', '2026-01-12T08:59:00Z', '2026-01-12T09:00:00.001Z', 1]
  ])('businessMsBetween: %s', (_name, from, to, ms) => {
    expect(businessMsBetween(at(from), at(to), office)).toBe(ms)
  })

  it('the holiday counts for nothing', () => {
    expect(
      businessMsBetween(at('2026-01-12T00:00:00Z'), at('2026-01-13T00:00:00Z'), withHoliday)
    ).toBe(0)
    expect(
      businessMsBetween(at('2026-01-05T00:00:00Z'), at('2026-01-19T00:00:00Z'), withHoliday)
    ).toBe(81 * H)
  })

  it('refuses negative or non-finite amounts and invalid dates', () => {
    expect(() => addBusinessMs(at('2026-01-12T10:00:00Z'), -1, office)).toThrow(RangeError)
    expect(() => addBusinessMs(at('2026-01-12T10:00:00Z'), Number.NaN, office)).toThrow(RangeError)
    expect(() => addBusinessMs(at('2026-01-12T10:00:00Z'), Infinity, office)).toThrow(RangeError)
    expect(() =>
      businessMsBetween(new Date(Number.NaN), at('2026-01-12T10:00:00Z'), office)
    ).toThrow(RangeError)
    expect(() => isOpenAt(new Date(Number.NaN), office)).toThrow(RangeError)
  })
})

describe('daylight-saving time', () => {
  // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z)
  // Europe/Paris: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z)
  // All four switch days are Sundays. Each case counts a Sunday-only window over Saturday..Monday.
  it.each<[string, string, string, string, number]>([
    ['America/New_York', 'spring forward', 'Sun 00:00-24:00', '2026-03-07', 23],
    ['America/New_York', 'fall back', 'Sun 00:00-24:00', '2026-10-31', 25],
    ['Europe/Paris', 'spring forward', 'Sun 00:00-24:00', '2026-03-28', 23],
    ['Europe/Paris', 'fall back', 'Sun 00:00-24:00', '2026-10-24', 25],
    ['America/New_York', 'spring forward', 'Sun 09:00-18:00', '2026-03-07', 9],
    ['America/New_York', 'fall back', 'Sun 09:00-18:00', '2026-10-31', 9],
    ['Europe/Paris', 'spring forward', 'Sun 09:00-18:00', '2026-03-28', 9],
    ['Europe/Paris', 'fall back', 'Sun 09:00-18:00', '2026-10-24', 9],
    // a window containing the switch is one real hour shorter / longer
    ['America/New_York', 'spring forward', 'Sun 01:00-04:00', '2026-03-07', 2],
    ['America/New_York', 'fall back', 'Sun 01:00-04:00', '2026-10-31', 4],
    ['Europe/Paris', 'spring forward', 'Sun 01:00-04:00', '2026-03-28', 2],
    ['Europe/Paris', 'fall back', 'Sun 01:00-04:00', '2026-10-24', 4],
    // a window starting inside the skipped hour opens at the switch (03:00 EDT)
    ['America/New_York', 'spring forward', 'Sun 02:30-04:00', '2026-03-07', 1],
    // a window entirely inside the skipped hour does not open at all
    ['America/New_York', 'spring forward', 'Sun 02:00-03:00', '2026-03-07', 0],
    // a repeated start time means its first occurrence: 01:30 EDT .. 03:00 EST
    ['America/New_York', 'fall back', 'Sun 01:30-03:00', '2026-10-31', 2.5]
  ])('%s %s: %s on the Sunday after %s is %s real hours', (tz, _switch, spec, saturday, hours) => {
    const from = at(`${saturday}T00:00:00Z`)
    const to = new Date(from.getTime() + 3 * 24 * H)
    expect(businessMsBetween(from, to, bh(spec, tz))).toBe(hours * H)
  })

  it.each<[string, string, string, number, string, string]>([
    // Fri 17:00 CET + 2h: Fri 17-18 = 1h, Mon 09:00-10:00 CEST
    [
      'Europe/Paris',
      'Mon-Fri 09:00-18:00',
      '2026-03-27T16:00:00Z',
      2,
      '2026-03-30T08:00:00Z',
      'Monday 10:00 CEST'
    ],
    [
      'Europe/Paris',
      'Mon-Fri 09:00-18:00',
      '2026-10-23T15:00:00Z',
      2,
      '2026-10-26T09:00:00Z',
      'Monday 10:00 CET'
    ],
    // Fri 17:00 EST + 48h (9-hour days) → Mon 11:00 EDT a week later
    [
      'America/New_York',
      'Mon-Fri 09:00-18:00',
      '2026-03-06T22:00:00Z',
      48,
      '2026-03-16T15:00:00Z',
      'Monday 11:00 EDT'
    ],
    [
      'America/New_York',
      'Mon-Fri 09:00-18:00',
      '2026-10-30T21:00:00Z',
      48,
      '2026-11-09T16:00:00Z',
      'Monday 11:00 EST'
    ],
    // around the clock: 24 business hours over the 23-hour day are 24 real hours → Sunday 13:00 EDT
    [
      'America/New_York',
      'Mon-Sun 00:00-24:00',
      '2026-03-07T17:00:00Z',
      24,
      '2026-03-08T17:00:00Z',
      'Sunday 13:00 EDT'
    ],
    // a day of business per calendar day: Sat 00:00 EST + 47h = Mon 00:00 EDT (Sat 24h + Sun 23h)
    [
      'America/New_York',
      'Mon-Sun 00:00-24:00',
      '2026-03-07T05:00:00Z',
      47,
      '2026-03-09T04:00:00Z',
      'Monday 00:00 EDT'
    ],
    [
      'Europe/Paris',
      'Mon-Sun 00:00-24:00',
      '2026-10-23T22:00:00Z',
      49,
      '2026-10-25T23:00:00Z',
      'Monday 00:00 CET'
    ]
  ])('%s %s: %s + %s business hours → %s (%s)', (tz, spec, from, hours, due) => {
    const ms = hours * H
    const office = bh(spec, tz)
    expect(addBusinessMs(at(from), ms, office).toISOString()).toBe(at(due).toISOString())
    expect(businessMsBetween(at(from), at(due), office)).toBe(ms)
  })
})

describe('isOpenAt / nextOpening', () => {
  const office = bh('Mon-Fri 09:00-18:00')
  const withHoliday = bh('Mon-Fri 09:00-18:00', 'UTC', ['2026-01-12'])
  const paris = bh('Mon-Fri 09:00-18:00', 'Europe/Paris')
  const newYork = bh('Mon-Fri 09:00-18:00', 'America/New_York')
  const newYorkGap = bh('Sun 02:30-04:00', 'America/New_York')

  it.each<[string, BusinessHours, string, boolean, string]>([
    ['Saturday noon → Monday 09:00', office, '2026-01-10T12:00:00Z', false, '2026-01-12T09:00:00Z'],
    [
      'Friday 18:00, the end is closed → Monday 09:00',
      office,
      '2026-01-09T18:00:00Z',
      false,
      '2026-01-12T09:00:00Z'
    ],
    [
      'Friday 17:59:59.999 is open',
      office,
      '2026-01-09T17:59:59.999Z',
      true,
      '2026-01-09T17:59:59.999Z'
    ],
    [
      'Monday 09:00, the start is open',
      office,
      '2026-01-12T09:00:00Z',
      true,
      '2026-01-12T09:00:00Z'
    ],
    [
      'Monday 08:59:59.999 → 09:00',
      office,
      '2026-01-12T08:59:59.999Z',
      false,
      '2026-01-12T09:00:00Z'
    ],
    [
      'Tuesday 20:00 → Wednesday 09:00',
      office,
      '2026-01-13T20:00:00Z',
      false,
      '2026-01-14T09:00:00Z'
    ],
    [
      'holiday Monday: Saturday noon → Tuesday 09:00',
      withHoliday,
      '2026-01-10T12:00:00Z',
      false,
      '2026-01-13T09:00:00Z'
    ],
    [
      'holiday Monday noon is closed → Tuesday 09:00',
      withHoliday,
      '2026-01-12T12:00:00Z',
      false,
      '2026-01-13T09:00:00Z'
    ],
    [
      'Paris: Friday 09:00 CET is open',
      paris,
      '2026-03-27T08:00:00Z',
      true,
      '2026-03-27T08:00:00Z'
    ],
    [
      'Paris: Saturday before the switch → Monday 09:00 CEST',
      paris,
      '2026-03-28T12:00:00Z',
      false,
      '2026-03-30T07:00:00Z'
    ],
    [
      'Paris: Monday 08:59 CEST → 09:00 CEST',
      paris,
      '2026-03-30T06:59:00Z',
      false,
      '2026-03-30T07:00:00Z'
    ],
    [
      'Paris: Saturday before the fall back → Monday 09:00 CET',
      paris,
      '2026-10-24T12:00:00Z',
      false,
      '2026-10-26T08:00:00Z'
    ],
    [
      'New York: Monday 09:00 EDT is open',
      newYork,
      '2026-03-09T13:00:00Z',
      true,
      '2026-03-09T13:00:00Z'
    ],
    [
      'New York: Monday 08:59 EDT → 09:00 EDT',
      newYork,
      '2026-03-09T12:59:00Z',
      false,
      '2026-03-09T13:00:00Z'
    ],
    [
      'New York: Saturday before the fall back → Monday 09:00 EST',
      newYork,
      '2026-10-31T22:00:00Z',
      false,
      '2026-11-02T14:00:00Z'
    ],
    [
      'New York: 01:00 EST before a window starting in the gap → 03:00 EDT',
      newYorkGap,
      '2026-03-08T06:00:00Z',
      false,
      '2026-03-08T07:00:00Z'
    ],
    [
      'New York: 03:00 EDT on the switch day is open',
      newYorkGap,
      '2026-03-08T07:00:00Z',
      true,
      '2026-03-08T07:00:00Z'
    ],
    [
      'New York: a week later the window opens at 02:30 EDT',
      newYorkGap,
      '2026-03-15T06:00:00Z',
      false,
      '2026-03-15T06:30:00Z'
    ]
  ])('%s', (_name, hours, instant, open, next) => {
    expect(isOpenAt(at(instant), hours)).toBe(open)
    expect(nextOpening(at(instant), hours).toISOString()).toBe(at(next).toISOString())
  })

  it('throws when nothing opens within 366 days, finds an opening 365 days away', () => {
    const days = (first: string, count: number): string[] =>
      Array.from({ length: count }, (_, i) =>
        new Date(at(`${first}T00:00:00Z`).getTime() + i * 24 * H).toISOString().slice(0, 10)
      )
    const closed = bh('Mon-Sun 00:00-24:00', 'UTC', days('2026-01-01', 400))
    expect(() => nextOpening(at('2026-01-01T00:00:00Z'), closed)).toThrow(BusinessHoursError)
    expect(() => addBusinessMs(at('2026-01-01T00:00:00Z'), H, closed)).toThrow(
      /^holidays: no business hours in the 366 days from /
    )
    const almost = bh('Mon-Sun 00:00-24:00', 'UTC', days('2026-01-01', 365))
    expect(nextOpening(at('2026-01-01T00:00:00Z'), almost).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z'
    )
    expect(addBusinessMs(at('2026-01-01T00:00:00Z'), H, almost).toISOString()).toBe(
      '2027-01-01T01:00:00.000Z'
    )
  })
})

describe('round trip and consistency', () => {
  it.each<[string, string, string, string]>([
    ['UTC', 'Mon-Fri 09:00-18:00', '2026-01-09T17:00:00Z', '2026-01-19T11:00:00Z'],
    ['UTC', 'Mon-Fri 09:00-18:00', '2026-01-10T12:00:00Z', '2026-01-12T09:00:00.001Z'],
    ['Europe/Paris', 'Mon-Fri 09:00-18:00', '2026-03-20T10:00:00Z', '2026-04-02T15:17:00Z'],
    ['America/New_York', 'Mon-Sun 00:00-24:00', '2026-10-31T12:00:00Z', '2026-11-01T06:30:00Z'],
    ['America/New_York', 'Sun 01:00-04:00', '2026-10-01T00:00:00Z', '2026-11-01T05:30:00Z']
  ])('%s %s: from %s to %s and back', (tz, spec, from, to) => {
    const hours = bh(spec, tz)
    expect(isOpenAt(at(to), hours)).toBe(true)
    const ms = businessMsBetween(at(from), at(to), hours)
    expect(addBusinessMs(at(from), ms, hours).toISOString()).toBe(at(to).toISOString())
  })

  it.each<[string, string, string[]]>([
    ['UTC', 'Mon-Fri 09:00-18:00', ['2026-05-01']],
    [
      'Europe/Paris',
      'Mon-Fri 09:00-12:00; Mon-Thu 13:00-18:00; Sat 10:00-14:00',
      ['2026-04-06', '2026-11-11']
    ],
    ['America/New_York', 'Mon-Fri 08:00-20:00; Sun 00:30-03:30', ['2026-07-03']],
    ['Australia/Lord_Howe', 'Mon-Sun 01:00-03:00; Mon-Fri 09:00-17:00', []],
    ['Asia/Kolkata', 'Mon-Sat 09:30-18:30', []]
  ])(
    '%s %s: random pairs satisfy round trip, additivity and isOpenAt agreement',
    (tz, spec, holidays) => {
      const hours = bh(spec, tz, holidays)
      let seed = 12345
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648
        return seed / 2147483648
      }
      const yearStart = at('2026-01-01T00:00:00Z').getTime()
      for (let i = 0; i < 300; i++) {
        const from = yearStart + Math.floor(random() * 365 * 24 * H)
        const mid = from + Math.floor(random() * 10 * 24 * H)
        const to = mid + Math.floor(random() * 10 * 24 * H)
        const total = businessMsBetween(new Date(from), new Date(to), hours)
        const parts =
          businessMsBetween(new Date(from), new Date(mid), hours) +
          businessMsBetween(new Date(mid), new Date(to), hours)
        expect(parts).toBe(total)
        expect(businessMsBetween(new Date(to), new Date(to + 1), hours)).toBe(
          isOpenAt(new Date(to), hours) ? 1 : 0
        )
        if (isOpenAt(new Date(to), hours) && isOpenAt(new Date(to - 1), hours)) {
          expect(addBusinessMs(new Date(from), total, hours).getTime()).toBe(to)
        }
        if (total > 0) {
          const due = addBusinessMs(new Date(from), total, hours).getTime()
          expect(businessMsBetween(new Date(from), new Date(due), hours)).toBe(total)
          expect(due).toBeLessThanOrEqual(to)
        }
        const opening = nextOpening(new Date(from), hours)
        expect(isOpenAt(opening, hours)).toBe(true)
        expect(businessMsBetween(new Date(from), opening, hours)).toBe(0)
      }
    }
  )
})

describe('long spans', () => {
  it('counts a year of business hours', () => {
    const hours = bh('Mon-Fri 09:00-18:00', 'America/Los_Angeles')
    // 2026 has 261 weekdays; Pacific time 00:00 on Jan 1 is 08:00Z (both years in PST)
    const ms = businessMsBetween(at('2026-01-01T08:00:00Z'), at('2027-01-01T08:00:00Z'), hours)
    expect(ms).toBe(261 * 9 * H)
  })

  it('adds a 10,000-hour threshold', () => {
    const aroundTheClock = bh('Mon-Sun 00:00-24:00', 'Australia/Sydney')
    const due = addBusinessMs(at('2026-01-01T00:00:00Z'), 10_000 * H, aroundTheClock)
    // business time is real time here: the two switches in between change only the wall clock
    expect(due.toISOString()).toBe(
      new Date(at('2026-01-01T00:00:00Z').getTime() + 10_000 * H).toISOString()
    )

    const office = bh('Mon-Fri 09:00-18:00', 'Europe/Berlin')
    const officeDue = addBusinessMs(at('2026-01-01T00:00:00Z'), 10_000 * H, office) // ~4.3 years
    expect(businessMsBetween(at('2026-01-01T00:00:00Z'), officeDue, office)).toBe(10_000 * H)
    // 10,000 h = 1,111 days of 9 h + 1 h: due at 10:00 Berlin time, whatever the season
    const berlinClock = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit'
    })
    expect(berlinClock.format(officeDue)).toBe('10:00')
  })
})

describe('values not built by parseBusinessHours, and zones at the edges', () => {
  it('merges unsorted windows and reads trimmed holidays of a hand-built value', () => {
    const hours: BusinessHours = {
      windows: [
        [],
        [
          [600, 720],
          [540, 660],
          [900, 1080]
        ],
        [],
        [],
        [],
        [],
        []
      ],
      timezone: 'UTC',
      holidays: new Set([' 2026-01-19 ', 'not a date']),
      describe: 'Mon 09:00-12:00; Mon 15:00-18:00 (UTC)'
    }
    // Mondays 12th and 26th count 3 h + 3 h; Monday the 19th is a holiday
    expect(businessMsBetween(at('2026-01-12T00:00:00Z'), at('2026-01-27T00:00:00Z'), hours)).toBe(
      12 * H
    )
  })

  it('follows a value whose fields change between calls', () => {
    const hours: BusinessHours = { ...bh('Mon 09:00-18:00') }
    expect(nextOpening(at('2026-01-10T00:00:00Z'), hours).toISOString()).toBe(
      '2026-01-12T09:00:00.000Z'
    )
    hours.timezone = 'Asia/Tokyo'
    expect(nextOpening(at('2026-01-10T00:00:00Z'), hours).toISOString()).toBe(
      '2026-01-12T00:00:00.000Z'
    )
    hours.holidays = new Set(['2026-01-12'])
    expect(nextOpening(at('2026-01-10T00:00:00Z'), hours).toISOString()).toBe(
      '2026-01-19T00:00:00.000Z'
    )
  })

  it('refuses a hand-built value whose time zone Intl does not know', () => {
    const hours: BusinessHours = { ...bh('Mon-Fri 09:00-18:00'), timezone: 'Mars/Olympus_Mons' }
    expect(() =>
      businessMsBetween(at('2026-01-12T00:00:00Z'), at('2026-01-13T00:00:00Z'), hours)
    ).toThrow(RangeError)
    expect(() => addBusinessMs(at('2026-01-12T00:00:00Z'), H, hours)).toThrow(RangeError)
  })

  it('opens a window starting in a 30-minute gap at the switch (Lord Howe, 02:00 → 02:30)', () => {
    // 2026-10-04 02:00 +10:30 (2026-10-03T15:30Z) becomes 02:30 +11:00
    const hours = bh('Sun 02:15-03:00', 'Australia/Lord_Howe')
    expect(nextOpening(at('2026-10-03T12:00:00Z'), hours).toISOString()).toBe(
      '2026-10-03T15:30:00.000Z'
    )
    expect(isOpenAt(at('2026-10-03T15:29:59.999Z'), hours)).toBe(false)
    expect(businessMsBetween(at('2026-10-03T00:00:00Z'), at('2026-10-05T00:00:00Z'), hours)).toBe(
      30 * MIN
    )
  })

  it('keeps the seconds of a historical offset (Monrovia 1971, UTC-00:44:30)', () => {
    const hours = bh('Mon-Fri 09:00-18:00', 'Africa/Monrovia')
    expect(nextOpening(at('1971-06-05T12:00:00Z'), hours).toISOString()).toBe(
      '1971-06-07T09:44:30.000Z'
    )
    expect(addBusinessMs(at('1971-06-05T12:00:00Z'), H, hours).toISOString()).toBe(
      '1971-06-07T10:44:30.000Z'
    )
  })
})
