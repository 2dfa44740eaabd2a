import type { Explanation } from '../explain.js'
import { SKIP_REASONS, type SkipReason } from '../policy/types.js'
import type { Listing, Outcome, Report, Stop } from './types.js'

function emptySkips(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>
}

/**
 * The one place that counts: every ticket seen is counted exactly once, as acted on (or planned,
 * deferred, failed), as a failed read, or as skipped for one reason. A tag repair leaves the ticket
 * itself alone, so its ticket is counted under the reason it gets no follow-up or close, and the
 * repair gets a line of its own (a failed repair also fails the step). It only counts: nothing
 * reads it to decide (the run's stop and deadline are the sweep context's).
 */
export class Tally {
  #seen = 0
  #pages = 0
  #read = 0
  readonly #skipped = emptySkips()
  readonly #actions: Array<{ order: number; outcome: Outcome }> = []
  readonly #tagRepairs: Outcome[] = []
  readonly #readFailures: Outcome[] = []
  readonly #notableSkips: Outcome[] = []
  readonly #reopened = new Set<number>()
  readonly #warnings: string[] = []
  readonly #explanations: Array<{ order: number; explanation: Explanation }> = []
  #unmarked = 0

  constructor(
    readonly dryRun: boolean,
    readonly startedAt: Date
  ) {}

  /** A listing (or a fallback listing) starts afresh: what an abandoned one counted is dropped. */
  restart(): void {
    this.#seen = 0
    for (const r of SKIP_REASONS) this.#skipped[r] = 0
    this.#reopened.clear()
  }

  page(): void {
    this.#pages++
  }

  /** A ticket entered the sweep; it must then be counted once by one of the calls below. */
  seen(): void {
    this.#seen++
  }

  /** A ticket read one by one with its messages. */
  read(): void {
    this.#read++
  }

  skip(reason: SkipReason, line?: Outcome): void {
    this.#skipped[reason]++
    if (line) this.#notableSkips.push(line)
  }

  /** A follow-up or close, whatever became of it, or a ticket deferred unread. */
  action(order: number, outcome: Outcome): void {
    this.#actions.push({ order, outcome })
  }

  tagRepair(countedAs: SkipReason, outcome: Outcome): void {
    this.#skipped[countedAs]++
    this.#tagRepairs.push(outcome)
  }

  readFailure(outcome: Outcome): void {
    this.#readFailures.push(outcome)
  }

  reopened(ticketId: number): void {
    this.#reopened.add(ticketId)
  }

  /** Messages recognised as this action's own by sender and text, their marker missing. */
  unmarked(count: number): void {
    this.#unmarked += count
  }

  /** Said once per run, however many tickets show it. */
  warn(text: string): void {
    if (!this.#warnings.includes(text)) this.#warnings.push(text)
  }

  explain(order: number, explanation: Explanation): void {
    this.#explanations.push({ order, explanation })
  }

  /** The warning about unmarked own messages, once the tickets are read; empty when none. */
  unmarkedWarning(): string[] {
    if (this.#unmarked === 0) return []
    return [
      `${this.#unmarked} message(s) look like this action's follow-ups (sent by the API user, with the text of a template) but lack its marker in external_id: they were counted as follow-ups. Gorgias may be dropping external_id; please report it.`
    ]
  }

  get counted(): number {
    const skipped = SKIP_REASONS.reduce((sum, r) => sum + this.#skipped[r], 0)
    return skipped + this.#actions.length + this.#readFailures.length
  }

  /** Follow-ups and closes done (or planned, in a dry run), and the others. */
  get actionCounts(): { done: number; notDone: number } {
    const done = this.#actions.filter(
      a => a.outcome.result === 'done' || a.outcome.result === 'would-do'
    ).length
    return { done, notDone: this.#actions.length - done }
  }

  get warnings(): readonly string[] {
    return this.#warnings
  }

  get seenCount(): number {
    return this.#seen
  }

  get readCount(): number {
    return this.#read
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
      pages: this.#pages,
      ticketsSeen: this.#seen,
      candidates: this.#read,
      actions: [...this.#actions].sort(byOrder).map(a => a.outcome),
      housekeeping: [...this.#tagRepairs].sort(byTicket),
      readFailures: [...this.#readFailures].sort(byTicket),
      skipped: { ...this.#skipped },
      notableSkips: [...this.#notableSkips].sort(byTicket),
      reopened: [...this.#reopened].sort((a, b) => a - b),
      warnings: [...this.#warnings, ...this.unmarkedWarning()],
      explanations: [...this.#explanations].sort(byOrder).map(e => e.explanation)
    }
    if (stop) report.stop = stop
    return report
  }
}
