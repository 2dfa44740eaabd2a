import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { writeFileAtomically } from './atomicFile.js'
import type { Settings } from './config.js'
import type { Ticket } from './gorgias/types.js'
import { parseTimestamp } from './policy/types.js'
import type { StateReport } from './sweep/types.js'

/**
 * The state between runs (`state-file`): for each open ticket found "not due yet", the
 * `updated_datetime` it had when read and the time its decision can change, so that the next run
 * does not read it again while its list item shows it unchanged and that time has not come.
 *
 * It only ever saves a read. It never decides: every write still follows a fresh read of the
 * ticket, decided on that read, and every list item is still triaged (exclusions, tags, status,
 * snooze) every run. So a state that is wrong, stale or forged can cost a delay of a read, never a
 * wrong write. It holds ids, timestamps and a fingerprint of the account and settings, and no
 * customer data: a workflow cache is readable by everyone with access to the repository.
 */

/** The file's format; a file of a later one is ignored (a newer version of the action wrote it). */
export const STATE_FORMAT = 1
/** Larger than any open backlog's state (about 80 bytes a ticket): not ours, or damaged. */
export const STATE_MAX_BYTES = 16 * 1024 * 1024

export interface StateEntry {
  /** the ticket's `updated_datetime` as read when it was found not due (ms since the epoch) */
  updated: number
  /** when its decision can change: the next follow-up or close becomes due (ms) */
  due: number
  /**
   * the server's time of this action's last write to it (ms): a list item whose
   * `updated_datetime` is no later is unchanged since that write
   */
  wrote?: number
}

interface StateFileJson {
  format: number
  fingerprint: string
  savedAt: string
  /** ticket id -> [updated, due] or [updated, due, wrote], as ISO timestamps */
  tickets: Record<string, string[]>
}

/**
 * The settings a decision depends on, and the account, as one hash: a state written under other
 * ones is not reused. Every setting counts unless it is known not to change a decision (so one
 * added later counts by default); the policy module counts by its file's content.
 */
export function stateFingerprint(settings: Settings, policyModuleContent: string | null): string {
  const {
    apiKey: _apiKey,
    dryRun: _dryRun,
    maxActions: _maxActions,
    rateLimitShare: _rateLimitShare,
    timeLimitMinutes: _timeLimitMinutes,
    summaryCustomerDetails: _summaryCustomerDetails,
    reportFile: _reportFile,
    stateFile: _stateFile,
    checkOnly: _checkOnly,
    ticketIds: _ticketIds,
    messagesFile: _messagesFile,
    policyModule: _policyModule,
    ...decisive
  } = settings
  const policy =
    policyModuleContent === null
      ? null
      : createHash('sha256').update(policyModuleContent).digest('hex')
  const text = JSON.stringify({ format: STATE_FORMAT, decisive, policy }, (_key, value: unknown) =>
    value instanceof Set
      ? [...(value as Set<unknown>)].sort()
      : value instanceof Map
        ? [...(value as Map<unknown, unknown>)]
        : value
  )
  return createHash('sha256').update(text).digest('hex')
}

/** The policy module's content for the fingerprint; null when there is none or it cannot be read. */
export function policyModuleContent(settings: Pick<Settings, 'policyModule'>): string | null {
  if (settings.policyModule === null) return null
  try {
    return readFileSync(settings.policyModule, 'utf8')
  } catch {
    // Unreadable, the module fails to load before any request anyway; the state is then moot.
    return '(unreadable)'
  }
}

export interface LoadedState {
  entries: Map<number, StateEntry>
  /** why the file was not used (said once, as a notice); null when it was */
  notice: string | null
}

/**
 * Reads and checks the state file. Never throws: a missing, unreadable, damaged, oversized,
 * newer-format or foreign file is ignored (no entry) with a notice, and the run is as without it.
 */
export function loadState(path: string, fingerprint: string): LoadedState {
  const ignored = (why: string): LoadedState => ({
    entries: new Map(),
    notice: `state-file ${path}: ${why}; every ticket that may be due is read this run, and the file is written afresh at the end`
  })
  let size: number
  try {
    const stat = statSync(path)
    // A FIFO or a device (a restored cache may link to one) would block the read or never end.
    if (!stat.isFile()) return ignored('not a regular file')
    size = stat.size
  } catch (err) {
    const code = (err as { code?: string }).code
    return ignored(
      code === 'ENOENT'
        ? 'no state yet (first run, or the cache was not restored)'
        : `not readable (${code ?? 'error'})`
    )
  }
  if (size > STATE_MAX_BYTES) {
    return ignored(
      `larger than ${STATE_MAX_BYTES / 1024 / 1024} MB (${size} bytes): not a state this action wrote`
    )
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    return ignored(
      `not readable as a state (${err instanceof SyntaxError ? 'not JSON' : ((err as { code?: string }).code ?? 'error')})`
    )
  }
  if (!isRecord(json) || typeof json.format !== 'number')
    return ignored('not a state file of this action')
  if (json.format > STATE_FORMAT) {
    return ignored(
      `written by a newer version of this action (format ${json.format}, this one reads ${STATE_FORMAT})`
    )
  }
  if (
    json.format !== STATE_FORMAT ||
    typeof json.fingerprint !== 'string' ||
    !isRecord(json.tickets)
  ) {
    return ignored('not a state file of this action')
  }
  if (json.fingerprint !== fingerprint) {
    return ignored(
      'written for another account or other settings (domain, schedule, business hours, tags, channels, messages or policy module changed)'
    )
  }
  const entries = new Map<number, StateEntry>()
  for (const [key, value] of Object.entries(json.tickets)) {
    const id = Number(key)
    const entry = parseEntry(value)
    if (!Number.isSafeInteger(id) || id < 1 || String(id) !== key || entry === null) {
      return ignored(`damaged (ticket entry "${key.slice(0, 20)}")`)
    }
    entries.set(id, entry)
  }
  return { entries, notice: null }
}

function parseEntry(value: unknown): StateEntry | null {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) return null
  const times = value.map(v => (typeof v === 'string' ? Date.parse(v) : NaN))
  if (times.some(t => Number.isNaN(t))) return null
  const [updated, due, wrote] = times as [number, number, number | undefined]
  return wrote === undefined ? { updated, due } : { updated, due, wrote }
}

/**
 * Writes the state atomically: next to its final name, then renamed, so a cancelled run leaves
 * the previous file or the whole new one. Throws an Error naming the input; the caller warns.
 */
export function writeState(
  path: string,
  fingerprint: string,
  entries: ReadonlyMap<number, StateEntry>,
  savedAt: Date
): void {
  const tickets: Record<string, string[]> = {}
  for (const id of [...entries.keys()].sort((a, b) => a - b)) {
    const e = entries.get(id)!
    const times = e.wrote === undefined ? [e.updated, e.due] : [e.updated, e.due, e.wrote]
    tickets[String(id)] = times.map(t => new Date(t).toISOString())
  }
  const file: StateFileJson = {
    format: STATE_FORMAT,
    fingerprint,
    savedAt: savedAt.toISOString(),
    tickets
  }
  writeFileAtomically(
    path,
    `${JSON.stringify(file)}\n`,
    reason => `state-file ${path}: the state could not be written: ${reason}`
  )
}

/**
 * Whether a listed ticket needs no read this run: its list item shows it unchanged since it was
 * found not due (the same `updated_datetime`, or none later than this action's own last write to
 * it), and the time its decision can change has not come. Anything unreadable needs the read.
 */
export function readSaved(entry: StateEntry | undefined, listed: Ticket, now: Date): boolean {
  if (entry === undefined || now.getTime() >= entry.due) return false
  const value = listed.updated_datetime
  const updated = typeof value === 'string' ? parseTimestamp(value)?.getTime() : undefined
  if (updated === undefined) return false
  // A write time later than now is not one this action made (a forged or broken file): it
  // would hide every change to the ticket until then. It is kept to the end of its second (see
  // writeTime), so a run within that second still counts it.
  const wrote = entry.wrote !== undefined && entry.wrote - 999 <= now.getTime() ? entry.wrote : null
  return updated === entry.updated || (wrote !== null && updated <= wrote)
}

/**
 * One run's use of the state: the entries it started from, those it keeps (tickets listed this
 * run whose read it saved, and those it found not due), and how many reads it saved.
 */
export class RunState {
  readonly #previous: ReadonlyMap<number, StateEntry>
  readonly #next = new Map<number, StateEntry>()
  readonly #listed = new Set<number>()
  #saved = 0
  #cutShort = false
  /** reads the state could not save, by why: no entry, the ticket changed, its time came */
  readonly missed = { 'no-entry': 0, changed: 0, due: 0 }

  constructor(previous: ReadonlyMap<number, StateEntry>) {
    this.#previous = previous
  }

  /** A listed ticket that passed the triage: true when its read is saved (the entry is kept). */
  skipsRead(listed: Ticket, now: Date): boolean {
    this.#listed.add(listed.id)
    const entry = this.#previous.get(listed.id)
    if (!readSaved(entry, listed, now)) {
      this.missed[!entry ? 'no-entry' : now.getTime() >= entry.due ? 'due' : 'changed']++
      return false
    }
    this.#next.set(listed.id, entry!)
    this.#saved++
    return true
  }

  /** A ticket listed this run (kept only if read or saved); its old entry is then replaced. */
  listed(ticketId: number): void {
    this.#listed.add(ticketId)
  }

  /**
   * Read and found not due until `due`: remembered with its `updated_datetime` as read, and the
   * server time of a write this run made to it, if any.
   */
  notDue(ticket: Ticket, due: Date, wrote: number | null): void {
    const value = ticket.updated_datetime
    const updated = typeof value === 'string' ? parseTimestamp(value)?.getTime() : undefined
    if (updated === undefined && wrote === null) return
    const entry: StateEntry = { updated: updated ?? -1, due: due.getTime() }
    if (wrote !== null) entry.wrote = wrote
    this.#next.set(ticket.id, entry)
  }

  /** The read was needed after all, or the ticket is done with: nothing is kept for it. */
  forget(ticketId: number): void {
    this.#next.delete(ticketId)
  }

  /** The listing did not finish: tickets it did not reach keep their entries. */
  listingCutShort(): void {
    this.#cutShort = true
  }

  get saved(): number {
    return this.#saved
  }

  /**
   * What to write: the tickets listed this run that are kept; when the listing was cut short,
   * also the earlier entries of tickets it did not reach, which are still valid (each is checked
   * against its list item before use).
   */
  toSave(): Map<number, StateEntry> {
    const out = new Map<number, StateEntry>()
    if (this.#cutShort) {
      for (const [id, e] of this.#previous) if (!this.#listed.has(id)) out.set(id, e)
    }
    for (const [id, e] of this.#next) out.set(id, e)
    return out
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The summary's (and the terminal's) last line: what the state saved this run. */
export function stateLine(state: StateReport | undefined): string | null {
  if (!state) return null
  const saved = `State file: ${state.readsSaved} ticket read${state.readsSaved === 1 ? '' : 's'} saved`
  const why =
    state.notice === null ? '' : ' (the file read at the start was not used: see the notice)'
  const kept =
    state.file === null
      ? 'the file could not be written (see the warning)'
      : `${state.kept} ticket${state.kept === 1 ? '' : 's'} remembered for the next run`
  return `${saved}${why}; ${kept}.`
}
