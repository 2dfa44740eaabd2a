import type { Settings } from '../config.js'
import type { Message, Tag, Ticket } from '../gorgias/types.js'
import type { Route } from './route.js'
import type { SkipReason } from './skipReasons.js'
import { splitTags, type OwnTag } from './tags.js'

/** What the policy decides for one ticket, and the settings it decides by. */

export type PolicySettings = Pick<
  Settings,
  | 'followUpHours'
  | 'closeHours'
  | 'excludeTags'
  | 'onlyTags'
  | 'channels'
  | 'followUpTag'
  | 'closedTag'
  | 'businessHours'
  /** the API key's user: this action's messages are sent by it */
  | 'email'
  /** the texts sent, by language: a close posts a message when the ticket's language has one */
  | 'messages'
>

/** The facts every action on a ticket is based on. */
export interface Cycle {
  /** the agent's last public reply (not ours): the cycle's start */
  reply: Message
  replyAt: Date
  /** real hours since the reply, for people */
  idleHours: number
  /** how this action's messages reach the customer */
  route: Route
}

export type Decision =
  | (Cycle & {
      kind: 'follow-up'
      ticketId: number
      reminder: number
      reminders: number
      marker: string
      /**
       * the closed-tag of an earlier cycle, still on the ticket: removed with this follow-up
       * (by id; `staleNamesWithoutId` by name: see tagRemoval)
       */
      staleTags: Tag[]
      staleNamesWithoutId: string[]
    })
  | (Cycle & { kind: 'close'; ticketId: number; postMessage: boolean; marker: string })
  /** a follow-up landed but the run that sent it stopped before tagging: add the tag only */
  | (Cycle & { kind: 'tag-follow-up'; ticketId: number })
  /**
   * this action's tags no longer tell the truth (a new cycle began): remove them, and only them;
   * `tags` by id, `namesWithoutId` by name (see tagRemoval)
   */
  | {
      kind: 'untag'
      ticketId: number
      tags: Tag[]
      namesWithoutId: string[]
      because: 'customer-replied' | 'agent-replied'
    }
  | { kind: 'skip'; ticketId: number; reason: SkipReason; detail?: string }

/** Triage from a list item alone: either a final decision or "needs its messages". */
export type Triage = Decision | { kind: 'fetch-messages'; ticketId: number }

export type ActionDecision = Extract<Decision, { kind: 'follow-up' | 'close' }>

export function untag(
  ticket: Ticket,
  tags: OwnTag[],
  because: 'customer-replied' | 'agent-replied'
): Decision {
  return { kind: 'untag', ticketId: ticket.id, ...splitTags(tags), because }
}

export function skip(ticket: Ticket, reason: SkipReason, detail?: string): Decision {
  return detail === undefined
    ? { kind: 'skip', ticketId: ticket.id, reason }
    : { kind: 'skip', ticketId: ticket.id, reason, detail }
}
