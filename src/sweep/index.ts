import type { Settings } from '../config.js'
import { outcome, readAndAct } from './act.js'
import { stopRun, type SweepClient, type SweepContext, type Veto } from './context.js'
import { listCandidates, ListingTimeLimit, type Candidate } from './listing.js'
import { ActionSlots } from './slots.js'
import { Tally } from './tally.js'
import type { RunState } from '../state.js'
import type { Listing, Outcome, Report } from './types.js'

export type { SweepClient } from './context.js'
export type { Outcome, Report } from './types.js'

export interface SweepLog {
  info(message: string): void
  warning(message: string): void
  /** worth a notice, not a warning (the state file not used this run); info when absent */
  notice?(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

export interface SweepOptions {
  client: SweepClient
  settings: Settings
  now: () => Date
  /** the run's deadline on `now` (ms since the epoch): time-limit-minutes from the run's start */
  deadline: number
  log: SweepLog
  veto?: Veto | null
  /** tickets handled at once; the client paces the requests themselves */
  concurrency?: number
  /** requests used and rate-limit waits so far, appended to progress lines */
  usage?: () => string
  /** the state between runs (state-file): reads it saves, tickets it learns are not due */
  state?: RunState | null
}

/**
 * One sweep, in named phases: list -> read and act (oldest reply first, within max-actions and
 * the time limit) -> tally. A listing failure stops the run before any write.
 */
export async function sweep(opts: SweepOptions): Promise<Report> {
  const { settings, log } = opts
  const startedAt = opts.now()
  const ctx: SweepContext = {
    client: opts.client,
    settings,
    now: opts.now,
    deadline: opts.deadline,
    tally: new Tally(settings.dryRun, startedAt),
    stop: undefined,
    slots: new ActionSlots(settings.maxActions),
    veto: opts.veto ?? null,
    explain: settings.ticketIds !== null,
    state: opts.state ?? null,
    progress: line => log.info(`${line}${opts.usage ? `; ${opts.usage()}` : ''}`)
  }
  const listed = await listPhase(ctx, log, startedAt)
  if ('cutShort' in listed) {
    opts.state?.listingCutShort()
    return ctx.tally.report(listed.cutShort, opts.now(), ctx.stop)
  }
  await readAndActPhase(ctx, log, listed.candidates, opts.concurrency ?? 4)
  return ctx.tally.report(listed.listing, opts.now(), ctx.stop)
}

/**
 * The time limit reached before anything was listed (while the account's macros or business hours
 * were read): nothing was done, and the run ends as one the limit cut short while listing.
 */
export function stoppedBeforeListing(opts: Pick<SweepOptions, 'settings' | 'now' | 'log'>): Report {
  const { settings, log } = opts
  const tally = new Tally(settings.dryRun, opts.now())
  log.warning(
    `time-limit-minutes (${settings.timeLimitMinutes}) reached before listing: nothing was done`
  )
  const listing: Listing =
    settings.ticketIds !== null
      ? { kind: 'ticket-ids', ids: settings.ticketIds }
      : settings.viewId !== null
        ? { kind: 'saved-view', viewId: settings.viewId }
        : { kind: 'open-view' }
  return tally.report(listing, opts.now(), {
    kind: 'time-limit',
    minutes: settings.timeLimitMinutes
  })
}

/** The candidates, oldest reply first; or the listing the time limit cut short. */
async function listPhase(
  ctx: SweepContext,
  log: SweepLog,
  startedAt: Date
): Promise<{ listing: Listing; candidates: Candidate[] } | { cutShort: Listing }> {
  const { settings, tally } = ctx
  log.startGroup('Listing tickets')
  try {
    const listed = await listCandidates(ctx, startedAt)
    for (const warning of tally.warnings) log.warning(warning)
    return listed
  } catch (err) {
    if (!(err instanceof ListingTimeLimit)) throw err
    stopRun(ctx, { kind: 'time-limit', minutes: settings.timeLimitMinutes })
    log.warning(
      `time-limit-minutes (${settings.timeLimitMinutes}) reached while listing: nothing was done`
    )
    return { cutShort: err.listing }
  } finally {
    log.endGroup()
  }
}

/** A few tickets at once; each ticket's own steps stay in order. */
async function readAndActPhase(
  ctx: SweepContext,
  log: SweepLog,
  candidates: Candidate[],
  concurrency: number
): Promise<void> {
  const { settings, tally } = ctx
  log.startGroup(
    `${settings.dryRun ? 'Planning (dry run)' : 'Acting'}: ${candidates.length} tickets to read, at most ${settings.maxActions} actions`
  )
  let next = 0
  let reported = 0
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const candidate = candidates[next++]!
      try {
        await readAndAct(ctx, candidate)
      } catch (err) {
        // Only a bug can land here; it must not stop the other tickets or the report.
        tally.readFailure(internalError(candidate, err))
      }
      if (tally.readCount >= reported + 25) {
        reported = tally.readCount
        ctx.progress(`${reported} of ${candidates.length} tickets read, ${ctx.slots.used} actions`)
      }
    }
  }
  const workers = Math.min(concurrency, candidates.length)
  await Promise.all(Array.from({ length: workers }, worker))
  for (const warning of tally.unmarkedWarning()) log.warning(warning)
  const { stop } = ctx
  if (stop?.kind === 'time-limit') {
    log.warning(
      `time-limit-minutes (${stop.minutes}) reached: no new ticket was started after it; the rest is deferred to the next run`
    )
  }
  const { done, notDone } = tally.actionCounts
  ctx.progress(
    `${done} ${done === 1 ? 'action' : 'actions'} done, ${notDone} not done (failed or deferred); ${tally.readCount} tickets read one by one`
  )
  log.endGroup()
}

function internalError(c: Candidate, err: unknown): Outcome {
  const message = err instanceof Error ? err.message : String(err)
  const o = outcome(
    c.listed ?? { id: c.ticketId },
    null,
    'check',
    'failed',
    `internal error: ${message}`
  )
  o.code = 'internal-error'
  return o
}
