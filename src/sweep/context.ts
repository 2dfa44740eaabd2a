import type { Settings } from '../config.js'
import type { GorgiasClient } from '../gorgias/client.js'
import type { Message, Ticket } from '../gorgias/types.js'
import type { ActionDecision } from '../policy/types.js'
import type { RunState } from '../state.js'
import type { ActionSlots } from './slots.js'
import type { Tally } from './tally.js'
import type { WriteClient } from './writes.js'
import type { Stop } from './types.js'

/** What a sweep asks of the client: lists, reads and the writes (tag ids are the client's cache). */
export type SweepClient = Pick<GorgiasClient, 'listTickets' | 'listViewItems'> &
  WriteClient &
  /** the server's time of the last write to a ticket, for the state between runs */
  Partial<Pick<GorgiasClient, 'lastWriteAt'>>

/** A policy module's say on a follow-up or close, bound to its client (see policyModule.ts). */
export type Veto = (
  ticket: Ticket,
  messages: Message[],
  decision: ActionDecision
) => Promise<{ skip: string } | undefined>

/**
 * The one context of a sweep, from the listing to the last write. The tally counts and nothing
 * reads it to decide; what decides whether the run goes on is `stop` and the deadline.
 */
export interface SweepContext {
  client: SweepClient
  settings: Settings
  /** the one clock: the decisions, the state's times and the deadline are read on it */
  now: () => Date
  /** no listing page and no new ticket is started after this (ms since the epoch, on `now`) */
  deadline: number
  tally: Tally
  /** why the run stopped before every ticket was handled, once it has (see stopRun) */
  stop: Stop | undefined
  slots: ActionSlots
  veto: Veto | null
  /** ticket-ids runs explain every ticket */
  explain: boolean
  /** the state between runs, when state-file is set (never in ticket-ids runs) */
  state: RunState | null
  /** a progress line for the log (the requests used so far are appended) */
  progress: (line: string) => void
}

/** The first reason to stop wins: it is the one the person has to fix. */
export function stopRun(ctx: Pick<SweepContext, 'stop'>, stop: Stop): void {
  ctx.stop ??= stop
}

export function pastDeadline(ctx: Pick<SweepContext, 'now' | 'deadline'>): boolean {
  return ctx.now().getTime() > ctx.deadline
}
