import type { Message, Ticket } from '../gorgias/types.js'
import type { PolicySettings } from './decision.js'
import { isPublic, isReadableMessage, messageTime } from './message.js'
import { isOurs, markedAs, recognisedAs, type OwnKind } from './ownMessages.js'
import { ownTag } from './tags.js'
import { isReadableTicket } from './ticket.js'
import { parseTime } from './time.js'

/**
 * The thread: the public messages in the order Gorgias recorded them (Rule auto-replies left out)
 * and where the current cycle starts; and the timeline explain.ts shows, every message with what
 * it counts as.
 */

/** A message and the time it counts from (messageTime). */
export interface Entry {
  m: Message
  at: Date
}

/**
 * The order of a conversation comes from `created_datetime`, which Gorgias assigns when it
 * records a message; `sent_datetime` of an incoming email can be the sender's own clock, and a
 * customer's slow clock must not put their reply before the agent's.
 */
function threadOrder(a: Entry, b: Entry): number {
  const recorded = (o: Entry): number =>
    parseTime(o.m.created_datetime)?.getTime() ?? o.at.getTime()
  return recorded(a) - recorded(b) || a.m.id - b.m.id
}

/**
 * Replies sent by Gorgias Rules (auto-acknowledgements and the like) are not an agent answering:
 * they neither start the customer's silence nor count as the customer's turn.
 */
function isAutomated(m: Message): boolean {
  return m.from_agent && m.via === 'rule' && !isOurs(m)
}

/** A public thread in order, and where the current cycle starts in it. */
export interface Thread {
  /** public messages, Rule auto-replies left out, in the order Gorgias recorded them */
  entries: Entry[]
  /** index of the cycle's start (the last message that is not ours), -1 when there is none */
  start: number
  /** what each message after `start` is: ours, by marker or recognised */
  own: Map<Message, OwnKind | 'other'>
  /** ours by text and sender alone: their external_id lacks the marker */
  unmarked: Message[]
}

/** The thread of `messages` (all readable), with this action's own messages told apart. */
export function readThread(ticket: Ticket, messages: Message[], s: PolicySettings): Thread {
  const entries = messages
    .filter(m => isPublic(m) && !isAutomated(m))
    .map(m => ({ m, at: messageTime(m)! }))
    .sort(threadOrder)
  const lastIndex = (ours: (m: Message) => boolean): number => {
    for (let i = entries.length - 1; i >= 0; i--) if (!ours(entries[i]!.m)) return i
    return -1
  }
  const withMarkers = (): Thread => {
    const start = lastIndex(isOurs)
    const own = new Map<Message, OwnKind | 'other'>()
    for (const e of entries.slice(start + 1)) own.set(e.m, markedAs(e.m)!)
    return { entries, start, own, unmarked: [] }
  }
  // Recognition needs the follow-up tag: without it no follow-up of ours is pending on the ticket.
  if (!ownTag(ticket, s.followUpTag)) return withMarkers()
  const recognised = new Map(entries.map(e => [e.m, recognisedAs(e.m, s)]))
  const start = lastIndex(m => isOurs(m) || recognised.get(m) !== null)
  // Ours come after the agent's real reply: after a customer's message (or with no reply at all)
  // such a message is the agent answering, whatever its text.
  if (start === -1 || !entries[start]!.m.from_agent) return withMarkers()
  const own = new Map<Message, OwnKind | 'other'>()
  const unmarked: Message[] = []
  for (const e of entries.slice(start + 1)) {
    const marked = markedAs(e.m)
    if (marked !== null) own.set(e.m, marked)
    else {
      own.set(e.m, recognised.get(e.m)!)
      unmarked.push(e.m)
    }
  }
  return { entries, start, own, unmarked }
}

/**
 * Messages this action recognised as its own by sender and text because their `external_id` lacks
 * the marker: for the sweep's one warning per run. Empty when the messages cannot be read.
 */
export function unmarkedOwnMessages(
  ticket: Ticket,
  messages: Message[],
  s: PolicySettings
): Message[] {
  if (!isReadableTicket(ticket) || !Array.isArray(messages) || !messages.every(isReadableMessage)) {
    return []
  }
  return readThread(ticket, messages, s).unmarked
}

/** What a message counts as in the reasoning. */
export type MessageRole =
  | 'customer'
  | 'agent'
  | 'follow-up'
  | 'close-message'
  /** marked as ours by a version that knew another kind of message */
  | 'own-other'
  /** ignored: agents only, never sent to the customer */
  | 'internal-note'
  /** ignored: a Gorgias Rule's auto-reply is not an agent answering */
  | 'rule-reply'

export interface TimelineMessage {
  message: Message
  /** when it reached (or was meant to reach) the other side */
  at: Date
  role: MessageRole
  /** ours, known by sender and text: its external_id lacks the marker */
  unmarked: boolean
  /** the agent's reply the current cycle counts from */
  cycleStart: boolean
}

/** Every message, notes and Rule replies too, in thread order, with what it counts as. */
export function timelineOf(all: Message[], thread: Thread): TimelineMessage[] {
  // The cycle starts at the last message that is not ours; only an agent's reply starts one (after
  // the customer's, nothing is pending: the decision says customer-replied).
  const last = thread.entries[thread.start]?.m
  const cycleStart = last?.from_agent === true ? last : undefined
  const unmarked = new Set(thread.unmarked)
  const role = (m: Message): MessageRole => {
    if (!isPublic(m)) return 'internal-note'
    if (isAutomated(m)) return 'rule-reply'
    const own = thread.own.get(m) ?? markedAs(m)
    if (own === 'other') return 'own-other'
    if (own !== null) return own
    return m.from_agent ? 'agent' : 'customer'
  }
  return all
    .map(m => ({ m, at: messageTime(m)! }))
    .sort(threadOrder)
    .map(({ m, at }) => ({
      message: m,
      at,
      role: role(m),
      unmarked: unmarked.has(m),
      cycleStart: m === cycleStart
    }))
}
