import type { Settings } from '../config.js'
import type { Explanation } from '../explain.js'
import type { GorgiasClient } from '../gorgias/client.js'
import type { Message, Ticket } from '../gorgias/types.js'
import { SKIP_REASONS, type ActionDecision, type SkipReason } from '../policy/types.js'
import type { RunState } from '../state.js'
import type { Listing, Outcome, Report, Stop } from './types.js'
import type { WriteClient } from './writes.js'

/** What a sweep asks of the client: lists, reads, writes, and the server's time of a write. */
export type SweepClient = Pick<GorgiasClient, 'listTickets' | 'listViewItems'> &
  WriteClient &
  Partial<Pick<GorgiasClient, 'lastWriteAt'>>

/** A policy module's say on a follow-up or close, bound to its client (see policyModule.ts). */
type Veto = (
  ticket: Ticket,
  messages: Message[],
  decision: ActionDecision
) => Promise<{ skip: string } | undefined>

/** The one context of a sweep. The tally only counts: `stop` and the deadline decide. */
export interface SweepContext {
  client: SweepClient
  settings: Settings
  /** the one clock: the decisions, the state's times and the deadline are read on it */
  now: () => Date
  /** ms on `now`: no listing page or new ticket after it */
  deadline: number
  tally: Tally
  stop: Stop | undefined
  slots: ActionSlots
  veto: Veto | null
  state: RunState | null
  /** a progress line for the log, the requests used so far appended */
  progress: (line: string) => void
}

/** The first reason to stop wins: it is the one the person has to fix. */
export function stopRun(ctx: Pick<SweepContext, 'stop'>, stop: Stop): void {
  ctx.stop ??= stop
}

export function pastDeadline(ctx: Pick<SweepContext, 'now' | 'deadline'>): boolean {
  return ctx.now().getTime() > ctx.deadline
}

/**
 * Counts every ticket seen once: an action (whatever its result), a failed read, or a skip. A tag
 * repair's ticket is counted under why it gets no follow-up or close; the repair gets a line.
 */
export class Tally {
  pages = 0
  seen = 0
  read = 0
  /** messages recognised as ours by sender and text, their marker missing */
  unmarked = 0
  readonly skipped = Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>
  readonly actions: Array<{ order: number; outcome: Outcome }> = []
  readonly tagRepairs: Outcome[] = []
  readonly readFailures: Outcome[] = []
  readonly notableSkips: Outcome[] = []
  readonly reopened = new Set<number>()
  readonly warnings: string[] = []
  readonly explanations: Array<{ order: number; explanation: Explanation }> = []

  constructor(
    readonly dryRun: boolean,
    readonly startedAt: Date
  ) {}

  /** A fallback listing starts afresh. */
  restart(): void {
    this.seen = 0
    for (const r of SKIP_REASONS) this.skipped[r] = 0
    this.reopened.clear()
  }

  skip(reason: SkipReason, line?: Outcome): void {
    this.skipped[reason]++
    if (line) this.notableSkips.push(line)
  }

  action(order: number, outcome: Outcome): void {
    this.actions.push({ order, outcome })
  }

  unmarkedWarning(): string[] {
    if (this.unmarked === 0) return []
    return [
      `${this.unmarked} message(s) look like this action's follow-ups (sent by the API user, with the text of a template) but lack its marker in external_id: they were counted as follow-ups. Gorgias may be dropping external_id; please report it.`
    ]
  }

  /** Finished in whatever order the workers ran; the report reads the same every time. */
  report(listing: Listing, finishedAt: Date, stop: Stop | undefined): Report {
    const byOrder = <T extends { order: number }>(a: T, b: T): number => a.order - b.order
    const byTicket = (a: Outcome, b: Outcome): number => a.ticketId - b.ticketId
    const report: Report = {
      dryRun: this.dryRun,
      startedAt: this.startedAt,
      finishedAt,
      listing,
      pages: this.pages,
      ticketsSeen: this.seen,
      candidates: this.read,
      actions: [...this.actions].sort(byOrder).map(a => a.outcome),
      housekeeping: [...this.tagRepairs].sort(byTicket),
      readFailures: [...this.readFailures].sort(byTicket),
      skipped: { ...this.skipped },
      notableSkips: [...this.notableSkips].sort(byTicket),
      reopened: [...this.reopened].sort((a, b) => a - b),
      warnings: [...this.warnings, ...this.unmarkedWarning()],
      explanations: [...this.explanations].sort(byOrder).map(e => e.explanation)
    }
    if (stop) report.stop = stop
    return report
  }
}

/**
 * The max-actions budget: a slot is taken before a ticket is read and given back when it needed no
 * follow-up or close, to the oldest reply waiting (lowest `order`), never to whoever asks next.
 * Once every slot is used and none is in flight, the answer is no: deferred to the next run.
 */
export class ActionSlots {
  used = 0
  #inFlight = 0
  readonly #waiting: Array<{ order: number; answer: (granted: boolean) => void }> = []

  constructor(readonly max: number) {}

  acquire(order: number): Promise<boolean> {
    return new Promise(answer => {
      this.#waiting.push({ order, answer })
      this.#waiting.sort((a, b) => a.order - b.order)
      this.#settle()
    })
  }

  /** `used`: the slot went to a follow-up or a close (whatever its result). */
  release(used: boolean): void {
    if (this.#inFlight === 0) throw new Error('ActionSlots.release without acquire')
    this.#inFlight--
    if (used) this.used++
    this.#settle()
  }

  #settle(): void {
    while (this.#waiting.length > 0 && this.used + this.#inFlight < this.max) {
      this.#inFlight++
      this.#waiting.shift()!.answer(true)
    }
    if (this.#inFlight === 0 && this.used >= this.max) {
      for (const waiter of this.#waiting.splice(0)) waiter.answer(false)
    }
  }
}
