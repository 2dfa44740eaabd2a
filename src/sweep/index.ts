import { outcome, readAndAct } from './act.js'
import { listCandidates, ListingTimeLimit, plannedListing, type Candidate } from './listing.js'
import { ActionSlots, stopRun, Tally, type SweepContext } from './context.js'
import type { Report } from './types.js'
import { errorText } from './writes.js'

export interface SweepLog {
  info(message: string): void
  warning(message: string): void
  /** worth a notice, not a warning (e.g. the state file not used); info when absent */
  notice?(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

/** `deadline`: time-limit-minutes from the run's start (run.ts), on `now` */
export type SweepOptions = Pick<SweepContext, 'client' | 'settings' | 'now' | 'deadline'> &
  Partial<Pick<SweepContext, 'veto' | 'state'>> & {
    log: SweepLog
    /** tickets handled at once; the client paces the requests themselves */
    concurrency?: number
    /** requests used and rate-limit waits so far, appended to progress lines */
    usage?: () => string
  }

/**
 * One sweep: list (listing.ts) -> read, decide and write each candidate, oldest reply first, within
 * max-actions and the time limit (act.ts, writes.ts) -> the report. Nothing is written before the
 * listing is complete.
 */
export async function sweep(opts: SweepOptions): Promise<Report> {
  const { settings, log } = opts
  const startedAt = opts.now()
  const ctx: SweepContext = {
    ...opts,
    tally: new Tally(settings.dryRun, startedAt),
    stop: undefined,
    slots: new ActionSlots(settings.maxActions),
    veto: opts.veto ?? null,
    state: opts.state ?? null,
    progress: line => log.info(`${line}${opts.usage ? `; ${opts.usage()}` : ''}`)
  }
  const limit = settings.timeLimitMinutes
  log.startGroup('Listing tickets')
  let listed: Awaited<ReturnType<typeof listCandidates>>
  try {
    listed = await listCandidates(ctx, startedAt)
    for (const warning of ctx.tally.warnings) log.warning(warning)
  } catch (err) {
    if (!(err instanceof ListingTimeLimit)) throw err
    // Nothing may be written from a listing cut short.
    stopRun(ctx, { kind: 'time-limit', minutes: limit })
    log.warning(`time-limit-minutes (${limit}) reached while listing: nothing was done`)
    opts.state?.listingCutShort()
    return ctx.tally.report(err.listing, opts.now(), ctx.stop)
  } finally {
    log.endGroup()
  }
  await readAndActAll(ctx, log, listed.candidates, opts.concurrency ?? 4)
  return ctx.tally.report(listed.listing, opts.now(), ctx.stop)
}

/** The time limit reached before listing (while the account's macros or hours were read). */
export function stoppedBeforeListing(opts: Pick<SweepOptions, 'settings' | 'now' | 'log'>): Report {
  const minutes = opts.settings.timeLimitMinutes
  opts.log.warning(`time-limit-minutes (${minutes}) reached before listing: nothing was done`)
  const tally = new Tally(opts.settings.dryRun, opts.now())
  return tally.report(plannedListing(opts.settings), opts.now(), { kind: 'time-limit', minutes })
}

/** A few tickets at once; each ticket's own steps stay in order. */
async function readAndActAll(
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
        const o = outcome(
          ctx,
          candidate.ticket,
          null,
          'failed',
          `internal error: ${errorText(err)}`
        )
        tally.readFailures.push({ ...o, code: 'internal-error' })
      }
      if (tally.read >= reported + 25) {
        reported = tally.read
        ctx.progress(`${reported} of ${candidates.length} tickets read, ${ctx.slots.used} actions`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, worker))
  for (const warning of tally.unmarkedWarning()) log.warning(warning)
  if (ctx.stop?.kind === 'time-limit') {
    log.warning(
      `time-limit-minutes (${ctx.stop.minutes}) reached: no new ticket was started after it; the rest is deferred to the next run`
    )
  }
  const done = tally.actions.filter(
    a => a.outcome.result === 'done' || a.outcome.result === 'would-do'
  ).length
  ctx.progress(
    `${done} ${done === 1 ? 'action' : 'actions'} done, ${tally.actions.length - done} not done (failed or deferred); ${tally.read} tickets read one by one`
  )
  log.endGroup()
}
