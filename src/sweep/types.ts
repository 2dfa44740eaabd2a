import type { Explanation } from '../explain.js'
import {
  AmbiguousWriteError,
  AuthError,
  DeadlineError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  TransientError,
  ValidationError
} from '../gorgias/errors.js'
import type { SkipReason } from '../policy/types.js'
import type { MessagePreview } from '../preview.js'

/** What a sweep reports, ticket by ticket: report.ts renders it, auditFile.ts keeps it. */

export type Result = 'done' | 'would-do' | 'failed' | 'deferred' | 'skipped'

export interface Outcome {
  ticketId: number
  subject: string
  firstName: string
  /** only to take the customer's names out of a detail (summary-customer-details off) */
  customerNames?: string[]
  /** the language of the texts sent (or that would be); null when nothing is sent */
  language: string | null
  /** where that text comes from, e.g. `macro "Follow-up" (#12, fr)` */
  textSource?: string
  /** real hours since the agent's reply; null when unknown */
  idleHours: number | null
  action: 'follow-up' | 'close' | 'tag-follow-up' | 'untag' | 'check'
  reminder?: number
  reminders?: number
  result: Result
  /** error message, skip reason or what was done */
  detail?: string
  /** a failure after some writes landed (e.g. the follow-up went out, its tag did not) */
  wrote?: boolean
  /** a failure's kind without the server's words: what the audit file keeps */
  code?: FailureCode
  /** a skip that needs a person (no customer address, a failed reply, unreadable data) */
  skipReason?: SkipReason
  /** dry runs: the message that would be sent, composed by the code that sends it */
  message?: MessagePreview
}

/** How the tickets were found, for the summary's headline. */
export type Listing =
  /** `checked`: the view answered none and the plain list, paged to its end, showed none either */
  | { kind: 'open-view'; checked?: true }
  | { kind: 'saved-view'; viewId: number }
  /** every untrashed ticket: the open-tickets view was refused or not believed (`why`) */
  | { kind: 'all-tickets'; why: string }
  | { kind: 'ticket-ids'; ids: number[] }

/** Why a run ended before every ticket was handled (credentials rejected halfway, or the limit). */
export type Stop =
  { kind: 'credentials'; error: AuthError } | { kind: 'time-limit'; minutes: number }

export interface Report {
  dryRun: boolean
  startedAt: Date
  finishedAt: Date
  listing: Listing
  pages: number
  ticketsSeen: number
  /** tickets read one by one as their list item might be due ("might be due" in the summary) */
  candidates: number
  /** follow-ups and closes, whatever their result (deferred ones too), oldest reply first */
  actions: Outcome[]
  /** tag repairs (`untag`, `tag-follow-up`) */
  housekeeping: Outcome[]
  /** reads that failed (the ticket was neither acted on nor skipped) */
  readFailures: Outcome[]
  skipped: Record<SkipReason, number>
  /** skips worth a line of their own (policy-module vetoes, needing a person) */
  notableSkips: Outcome[]
  /** open tickets carrying closed-tag: customers who came back after an automatic close */
  reopened: number[]
  /** said once per run: a fallback of the listing, messages like ours without a marker */
  warnings: string[]
  /** ticket-ids runs: the whole reasoning for each ticket asked about, in the order asked */
  explanations: Explanation[]
  stop?: Stop
  /** the state between runs, when state-file is set */
  state?: StateReport
}

export interface StateReport {
  /** tickets not read because the state showed them unchanged and not due yet */
  readsSaved: number
  /** tickets remembered in the file written */
  kept: number
  /** the file written; null when it could not be (see warnings) */
  file: string | null
  /** why the file read at the start was not used; null when it was */
  notice: string | null
}

/** A failure as a fixed code for the audit file: server text can quote the customer. */
export type FailureCode = (typeof CODES)[number][1] | 'policy-module' | 'internal-error' | 'error'

const CODES = [
  [AuthError, 'credentials-rejected'],
  [NotFoundError, 'not-found'],
  [ValidationError, 'refused-by-gorgias'],
  [TransientError, 'gorgias-unavailable'],
  [MalformedResponseError, 'unexpected-answer'],
  [AmbiguousWriteError, 'send-not-confirmed'],
  [DeadlineError, 'time-limit'],
  [GorgiasError, 'http-error']
] as const

export function failureCode(err: unknown): FailureCode {
  const cause =
    err instanceof Error && !(err instanceof GorgiasError) && err.cause instanceof Error
      ? err.cause
      : err
  return CODES.find(([type]) => cause instanceof type)?.[1] ?? 'error'
}
