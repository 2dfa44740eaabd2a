import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Settings } from './config.js'
import type { Ticket } from './gorgias/types.js'
import { dueAfter } from './policy/schedule.js'
import { parseTimestamp } from './policy/types.js'
import { counts } from './report.js'
import type { Outcome, Report } from './sweep/types.js'

/**
 * The files a run leaves: the state between runs (`state-file`) and the audit file (`report-file`),
 * both ids and times only (a cache or an artifact is readable by the whole repository). The state
 * keeps, for each open ticket found not due, its `updated_datetime` when read and when its decision
 * can change, so that the next run skips the read while neither has. It only saves reads, never
 * decides (every write follows a fresh read): a wrong or forged state costs a read's delay, at
 * most one schedule's length (latestDue).
 */

/** The file's format; a file of a later one is ignored (a newer version of the action wrote it). */
export const STATE_FORMAT = 1
/** Larger than any open backlog's state (about 80 bytes a ticket): not ours, or damaged. */
export const STATE_MAX_BYTES = 16 * 1024 * 1024

/** Times in ms: `updated` as read, `due` when the decision can change, `wrote` our last write. */
export interface StateEntry {
  updated: number
  due: number
  /** the server's time of this action's last write to it: no later list item is a change */
  wrote?: number
}

/** Settings known not to change a decision; any other (one added later too) is in the fingerprint. */
// prettier-ignore
const NOT_DECISIVE = new Set<string>([
  'apiKey', 'dryRun', 'maxActions', 'rateLimitShare', 'timeLimitMinutes', 'summaryCustomerDetails',
  'reportFile', 'stateFile', 'checkOnly', 'ticketIds', 'messagesFile', 'policyModule'
] satisfies Array<keyof Settings>)

/** The account and the decisive settings as one hash; the policy module counts by its content. */
export function stateFingerprint(settings: Settings, policyModuleContent: string | null): string {
  const decisive = Object.fromEntries(
    Object.entries(settings).filter(([name]) => !NOT_DECISIVE.has(name))
  )
  const policy = policyModuleContent === null ? null : sha256(policyModuleContent)
  const text = JSON.stringify({ format: STATE_FORMAT, decisive, policy }, (_key, value: unknown) =>
    value instanceof Set
      ? [...(value as Set<unknown>)].sort()
      : value instanceof Map
        ? [...(value as Map<unknown, unknown>)]
        : value
  )
  return sha256(text)
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** The policy module's content for the fingerprint; null when there is none. */
export function policyModuleContent(settings: Pick<Settings, 'policyModule'>): string | null {
  if (settings.policyModule === null) return null
  try {
    return readFileSync(settings.policyModule, 'utf8')
  } catch {
    // Unreadable, the module fails to load before any request anyway; the state is then moot.
    return '(unreadable)'
  }
}

/** Reads the state file. Never throws: a file it cannot use is ignored, with a notice. */
export function loadState(
  path: string,
  fingerprint: string
): { entries: Map<number, StateEntry>; notice: string | null } {
  try {
    return { entries: stateEntries(readStateJson(path), fingerprint), notice: null }
  } catch (err) {
    return {
      entries: new Map(),
      notice: `state-file ${path}: ${errorText(err)}; every ticket that may be due is read this run, and the file is written afresh at the end`
    }
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))
/** The file's JSON; throws why it is not usable. */
function readStateJson(path: string): unknown {
  const stat = attempt(
    () => statSync(path),
    code =>
      code === 'ENOENT'
        ? 'no state yet (first run, or the cache was not restored)'
        : `not readable (${code})`
  )
  // A FIFO or a device (a restored cache may link to one) would block the read or never end.
  if (!stat.isFile()) throw new Error('not a regular file')
  if (stat.size > STATE_MAX_BYTES) {
    throw new Error(
      `larger than ${STATE_MAX_BYTES / 1024 / 1024} MB (${stat.size} bytes): not a state this action wrote`
    )
  }
  const read = (): unknown => JSON.parse(readFileSync(path, 'utf8'))
  return attempt(read, code => `not readable as a state (${code})`)
}

/** `run()`; a failure throws `why(code)` (an fs error's code, or "not JSON"). */
function attempt<T>(run: () => T, why: (code: string) => string): T {
  try {
    return run()
  } catch (err) {
    const code = err instanceof SyntaxError ? 'not JSON' : (err as { code?: string }).code
    throw new Error(why(code ?? 'error'), { cause: err })
  }
}

/** The entries of a state file's JSON, checked in one walk; throws why it is not usable. */
function stateEntries(json: unknown, fingerprint: string): Map<number, StateEntry> {
  const file = isRecord(json) ? json : {}
  if (typeof file.format === 'number' && file.format > STATE_FORMAT) {
    throw new Error(
      `written by a newer version of this action (format ${file.format}, this one reads ${STATE_FORMAT})`
    )
  }
  const ours = file.format === STATE_FORMAT && typeof file.fingerprint === 'string'
  if (!ours || !isRecord(file.tickets)) throw new Error('not a state file of this action')
  if (file.fingerprint !== fingerprint) {
    throw new Error(
      'written for another account or other settings (domain, schedule, business hours, tags, channels, messages or policy module changed)'
    )
  }
  const entries = new Map<number, StateEntry>()
  for (const [key, value] of Object.entries(file.tickets)) {
    const id = Number(key)
    const times = (Array.isArray(value) ? (value as unknown[]) : []).map(v =>
      typeof v === 'string' ? Date.parse(v) : NaN
    )
    const valid = times.length >= 2 && times.length <= 3 && !times.some(Number.isNaN)
    if (!Number.isSafeInteger(id) || id < 1 || String(id) !== key || !valid) {
      throw new Error(`damaged (ticket entry "${key.slice(0, 20)}")`)
    }
    const [updated, due, wrote] = times as [number, number, number | undefined]
    entries.set(id, wrote === undefined ? { updated, due } : { updated, due, wrote })
  }
  return entries
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Writes the state atomically. Throws an Error naming the input; the caller warns. */
export function writeState(
  path: string,
  fingerprint: string,
  entries: ReadonlyMap<number, StateEntry>,
  savedAt: Date
): void {
  const tickets: Record<string, string[]> = {}
  for (const [id, { updated, due, wrote }] of [...entries].sort(([a], [b]) => a - b)) {
    const times = wrote === undefined ? [updated, due] : [updated, due, wrote]
    tickets[String(id)] = times.map(t => new Date(t).toISOString())
  }
  const file = { format: STATE_FORMAT, fingerprint, savedAt: savedAt.toISOString(), tickets }
  writeAtomically(path, `${JSON.stringify(file)}\n`, 'state-file', 'the state')
}

/**
 * Writes `text` to `path` (and its folder) next to its final name, then renames it: a reader (a
 * later run, an upload after a cancelled run) sees the old file or the new one, never half of one.
 * A failure throws an Error naming the input.
 */
function writeAtomically(path: string, text: string, input: string, what: string): void {
  const folder = dirname(path)
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    mkdirSync(folder, { recursive: true })
    writeFileSync(temporary, text, { flag: 'wx' })
    renameSync(temporary, path)
  } catch (err) {
    try {
      rmSync(temporary, { force: true })
    } catch {
      // The folder itself is unusable (not a folder, no permission): there is nothing to clean.
    }
    const message = `${input} ${path}: ${what} could not be written: ${errorText(err)}`
    throw new Error(message, { cause: err })
  }
}

/** A ticket's `updated_datetime` in ms; undefined when it has none that is a time. */
function updatedAt(ticket: Ticket): number | undefined {
  const value = ticket.updated_datetime
  return typeof value === 'string' ? parseTimestamp(value)?.getTime() : undefined
}

const DAY_MS = 86_400_000

/**
 * The latest `due` an entry this action wrote can hold at `now`: each is one step of the schedule
 * (close-hours at most, in business hours when set) from a time no later than now, or a day for a
 * skip only a change undoes; a day more within the step and one after it, for clocks that
 * disagree. A later one is forged or broken and would hide a due ticket until it changes: its read
 * is not saved.
 */
export function latestDue(s: Pick<Settings, 'closeHours' | 'businessHours'>, now: Date): number {
  try {
    return dueAfter(now, s.closeHours + 24, s).getTime() + DAY_MS
  } catch {
    return Infinity // hours that never open within a year: nothing is ever due, so nothing is late
  }
}

/**
 * Whether a listed ticket needs no read this run: its list item shows it unchanged since it was
 * found not due (the same `updated_datetime`, or none later than this action's own last write to
 * it), and the time its decision can change has not come, nor lies past `latest` (latestDue).
 * Anything unreadable needs the read.
 */
export function readSaved(
  entry: StateEntry | undefined,
  listed: Ticket,
  now: Date,
  latest: number
): boolean {
  if (entry === undefined || now.getTime() >= entry.due || entry.due > latest) return false
  const updated = updatedAt(listed)
  if (updated === undefined) return false
  // A write time later than now (to the end of its second, see writeTime) is not one this
  // action made (a forged or broken file): it would hide every change to the ticket until then.
  const wrote = entry.wrote !== undefined && entry.wrote - 999 <= now.getTime() ? entry.wrote : null
  return updated === entry.updated || (wrote !== null && updated <= wrote)
}

/** One run's use of the state: the entries it started from, those it keeps, the reads saved. */
export class RunState {
  private readonly next = new Map<number, StateEntry>()
  private readonly listedIds = new Set<number>()
  private cutShort = false
  /** tickets whose read the state saved, as the last listing of them found (a fallback relists) */
  private readonly savedIds = new Set<number>()
  /** reads the state could not save, by why (the bench's diagnostic) */
  readonly missed = { 'no-entry': 0, changed: 0, due: 0 }

  /** latestDue at the first ticket asked about: a run is minutes, the bound has a day to spare */
  private latest: number | undefined

  constructor(
    private readonly previous: ReadonlyMap<number, StateEntry>,
    private readonly settings: Pick<Settings, 'closeHours' | 'businessHours'>
  ) {}

  /** A ticket listed (see `listed`) that passed the triage: true when its read is saved. */
  skipsRead(listed: Ticket, now: Date): boolean {
    const entry = this.previous.get(listed.id)
    this.latest ??= latestDue(this.settings, now)
    if (!entry || !readSaved(entry, listed, now, this.latest)) {
      const timeUp = (e: StateEntry) => now.getTime() >= e.due || e.due > this.latest!
      this.missed[!entry ? 'no-entry' : timeUp(entry) ? 'due' : 'changed']++
      this.savedIds.delete(listed.id)
      return false
    }
    this.next.set(listed.id, entry)
    this.savedIds.add(listed.id)
    return true
  }

  /** Reads the state saved this run, each ticket once. */
  get saved(): number {
    return this.savedIds.size
  }

  /** A ticket listed this run (kept only if read or saved); its old entry is then replaced. */
  listed(ticketId: number): void {
    this.listedIds.add(ticketId)
  }

  /** Read and found not due until `due`; `wrote`: the server time of a write this run made. */
  notDue(ticket: Ticket, due: Date, wrote: number | null): void {
    const updated = updatedAt(ticket)
    if (updated === undefined && wrote === null) return
    const entry: StateEntry = { updated: updated ?? -1, due: due.getTime() }
    if (wrote !== null) entry.wrote = wrote
    this.next.set(ticket.id, entry)
  }

  /** The listing did not finish: tickets it did not reach keep their entries. */
  listingCutShort(): void {
    this.cutShort = true
  }

  /** What to write: the kept entries, and those of tickets a listing cut short did not reach. */
  toSave(): Map<number, StateEntry> {
    const out = new Map<number, StateEntry>()
    if (this.cutShort) {
      for (const [id, e] of this.previous) if (!this.listedIds.has(id)) out.set(id, e)
    }
    for (const [id, e] of this.next) out.set(id, e)
    return out
  }
}

/**
 * The audit file's detail of one ticket: a fixed code, never the server's or a module's words (they
 * can quote the customer): for a failure its kind (refused-by-gorgias, gorgias-unavailable, ...),
 * for a deferral why (max-actions, time-limit, credentials), for a tag repair what was done.
 */
function auditDetail(o: Outcome): string | null {
  switch (o.result) {
    case 'failed':
      return o.code ?? 'error'
    case 'deferred': {
      const detail = o.detail ?? ''
      if (detail.includes('credentials')) return 'credentials'
      if (detail.includes('time limit')) return 'time-limit'
      return 'max-actions'
    }
    case 'done':
    case 'would-do':
      if (o.action === 'untag') return 'tags-removed'
      if (o.action === 'tag-follow-up') return 'tag-added'
      return null
    case 'skipped':
      return o.skipReason ?? null
  }
}

/** Real hours since the agent's reply, to two decimals. */
const round2 = (hours: number | null): number | null =>
  hours === null || !Number.isFinite(hours) ? null : Math.round(hours * 100) / 100

/** The audit file's lines (no newlines): each ticket acted on, deferred or unreadable; totals. */
export function auditLines(report: Report, settings: Pick<Settings, 'domain'>): string[] {
  const store = settings.domain
  const run = {
    dryRun: report.dryRun,
    startedAt: report.startedAt.toISOString(),
    finishedAt: report.finishedAt.toISOString()
  }
  const ticketLine = (o: Outcome, section: 'action' | 'housekeeping' | 'read-failure') => ({
    type: 'ticket',
    store,
    ticketId: o.ticketId,
    section,
    action: o.action,
    // follow-ups: which reminder of how many
    reminder: o.reminder ?? null,
    reminders: o.reminders ?? null,
    result: o.result,
    detail: auditDetail(o),
    // a failure that came after some writes landed
    wrote: o.wrote === true,
    language: o.language,
    idleHours: round2(o.idleHours),
    ...run
  })
  const c = counts(report)
  const totals = {
    type: 'totals',
    store,
    ...run,
    listing: report.listing.kind,
    ticketsSeen: report.ticketsSeen,
    candidates: report.candidates,
    followedUp: c.followedUp.length,
    closed: c.closed.length,
    failed: c.failed,
    deferred: c.deferred,
    skipped: c.skipped,
    reopened: report.reopened.length,
    reopenedTicketIds: [...report.reopened],
    // why the run ended early: credentials or time-limit; null when it went through
    stop: report.stop?.kind ?? null
  }
  return [
    ...report.actions.map(o => ticketLine(o, 'action')),
    ...report.housekeeping.map(o => ticketLine(o, 'housekeeping')),
    ...report.readFailures.map(o => ticketLine(o, 'read-failure')),
    totals
  ].map(line => JSON.stringify(line))
}

/** Writes the audit lines to `path`, atomically. */
export function writeAuditFile(path: string, lines: string[]): void {
  const text = lines.map(line => `${line}\n`).join('')
  writeAtomically(path, text, 'report-file', 'the audit file')
}
