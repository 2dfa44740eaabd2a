import { SettingsError } from './inputs.js'
import {
  BusinessHoursError,
  DAY_SHORT as DAYS,
  isValidTimeZone,
  parseBusinessHours,
  type BusinessHours
} from './businessHours.js'
import { isRecord } from './gorgias/errors.js'
import type { Account } from './gorgias/types.js'

/**
 * `business-hours: gorgias`: the account's business hours (`GET /api/account`, the setting of type
 * `business-hours`), written as the input would be and parsed by the same parser. Read
 * defensively: the shape varies by account age; anything not understood stops the run before any
 * write, naming business-hours.
 *
 *     { "type": "business-hours",
 *       "data": { "timezone": "Europe/Paris",
 *                 "business_hours": [{ "days": "1,2,3,4,5", "from_time": "09:00", "to_time": "17:00" }] } }
 *
 * Days are ISO weekdays (1 = Monday ... 7 = Sunday; 0 is read as Sunday too), as a comma list or an
 * array. The time zone is the account's; the timezone input may only repeat it (or stay at its
 * default, UTC). Holidays still apply, as dates in the account's time zone.
 */

const HOW_TO_FIX =
  'set the account\'s business hours in Gorgias (Settings > Business hours), or write them in business-hours, e.g. "Mon-Fri 09:00-18:00" with timezone'

const refuse = (problem: string): SettingsError =>
  new SettingsError(
    'business-hours',
    `business-hours: gorgias: the account's business hours ${problem}; ${HOW_TO_FIX}`
  )

/** The setting's data: `settings` as a list of `{type, data}`, or an object keyed by type. */
function businessHoursData(account: Account): Record<string, unknown> {
  const settings = account.settings
  const list = Array.isArray(settings)
    ? settings
    : isRecord(settings)
      ? Object.entries(settings).map(([type, value]) =>
          isRecord(value) && 'data' in value ? { type, ...value } : { type, data: value }
        )
      : []
  const setting = list.find(
    (s): s is Record<string, unknown> => isRecord(s) && s.type === 'business-hours'
  )
  if (!setting)
    throw refuse('are not set (no setting of type "business-hours" in GET /api/account)')
  if (!isRecord(setting.data)) throw refuse('are not readable (the setting has no data)')
  return setting.data
}

function days(raw: unknown): number[] {
  const items: unknown[] =
    typeof raw === 'string' ? raw.split(/[,\s]+/).filter(d => d) : [raw].flat()
  const out = items.map(d => (typeof d === 'string' && /^\d$/.test(d.trim()) ? Number(d) : d))
  const isDay = (d: unknown): d is number => Number.isInteger(d) && Number(d) >= 0 && Number(d) <= 7
  if (out.length === 0 || !out.every(isDay)) {
    throw refuse(
      `have days ${JSON.stringify(raw)}, not understood (expected weekdays such as "1,2,3,4,5")`
    )
  }
  return out.map(d => d % 7)
}

function time(raw: unknown): string {
  const match = typeof raw === 'string' ? /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(raw.trim()) : null
  if (!match) {
    throw refuse(`have a time ${JSON.stringify(raw)}, not understood (expected "HH:MM")`)
  }
  return `${match[1]!.padStart(2, '0')}:${match[2]}`
}

/**
 * The account's hours, written as business-hours text ("Mon 09:00-17:00; ...") for the same
 * parser, with the holidays input. `timezone` is the input's value: it must be UTC (its default,
 * read as "unset") or the account's own.
 */
export function accountBusinessHours(
  account: Account,
  given: { holidays: string[]; timezone: string }
): BusinessHours {
  const data = businessHoursData(account)
  const entries = data.business_hours ?? data.businessHours ?? data.hours
  if (!Array.isArray(entries) || entries.length === 0) {
    throw refuse('are not readable (no "business_hours" list)')
  }
  const groups: string[] = []
  for (const entry of entries) {
    if (!isRecord(entry)) throw refuse(`have an entry ${JSON.stringify(entry)}, not understood`)
    const from = time(entry.from_time)
    let to = time(entry.to_time)
    const dayList = days(entry.days)
    if (to === '00:00') to = '24:00'
    if (to === from) {
      // Neither open around the clock (that is 00:00 to 00:00) nor closed: not guessed.
      throw refuse(
        `have an entry from ${from} to ${to}, not understood (a window ends after it starts)`
      )
    }
    if (to <= from) {
      // Open past midnight: the rest of the night belongs to the next day.
      for (const d of dayList)
        groups.push(`${DAYS[d]} ${from}-24:00`, `${DAYS[(d + 1) % 7]} 00:00-${to}`)
    } else {
      for (const d of dayList) groups.push(`${DAYS[d]} ${from}-${to}`)
    }
  }
  const timezone = typeof data.timezone === 'string' ? data.timezone.trim() : ''
  if (!timezone || !isValidTimeZone(timezone)) {
    throw refuse(`have the time zone ${JSON.stringify(data.timezone ?? null)}, not an IANA name`)
  }
  const spec = groups.filter(g => !g.endsWith('00:00-00:00')).join('; ')
  // Zone names in any case, as the timezone input takes them.
  const repeated = [timezone, 'UTC', ''].map(z => z.toLowerCase())
  if (!repeated.includes(given.timezone.toLowerCase())) {
    throw new SettingsError(
      'timezone',
      `timezone: got "${given.timezone}", but business-hours: gorgias uses the account's time zone, ${timezone}; leave timezone unset (or set it to ${timezone})`
    )
  }
  try {
    return parseBusinessHours(spec, timezone, given.holidays)
  } catch (err) {
    if (err instanceof BusinessHoursError && err.input === 'holidays') {
      throw new SettingsError('holidays', err.message)
    }
    throw refuse(`are not usable: ${err instanceof Error ? err.message : String(err)}`)
  }
}
