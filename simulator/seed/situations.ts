/**
 * The ticket situations of a seeded account, as a table: situation -> status, how many, builder.
 * A builder writes one ticket's plan (its conversation as steps with ages in hours, its tags and
 * fields); seed.ts draws the counts from the table and writes the plans into the simulator.
 *
 * Ages leave wide margins around every threshold, so a slow test run cannot turn a "not due"
 * ticket into a due one. Whichever way a policy reads "close-hours" (since the agent's reply or
 * since the follow-up), `dueClose` tickets are due and `followUpNotYetDue` ones are not.
 */
import type { TicketUser } from '../../src/gorgias/types.js'
import type { AGENTS } from '../account.js'
import type { TicketInput } from '../types.js'
import type { Topic } from './content.js'

export type Step =
  | { kind: 'customer'; ageH: number }
  | { kind: 'agent'; ageH: number; failed?: boolean }
  | { kind: 'note'; ageH: number }
  | { kind: 'followUp'; ageH: number }

export interface Plan {
  situation: Situation
  channel: 'email' | 'chat' | 'sms' | 'facebook'
  steps: Step[]
  tags: string[]
  topic: Topic
  order: number
  product: string
  agent: (typeof AGENTS)[number]
  customer: Partial<TicketUser>
  extra: Partial<TicketInput>
  /** Closed tickets: hours ago the ticket was closed. */
  closedAgeH?: number
  /** Hours ago of an edit after the last message (snoozed, trashed...): its updated_datetime. */
  editAgeH?: number
  noteAfterAgent?: boolean
  noteAfterCustomer?: boolean
}

/** What builders draw from: the thresholds, the seeded randomness and the configured tags. */
export interface Draw {
  /** followUpHours, closeHours, and the gap G between them (or F when closeHours <= F). */
  F: number
  C: number
  G: number
  nowMs: number
  followUpTag: string
  closedTag: string
  rand: () => number
  between: (lo: number, hi: number) => number
}

/** How many tickets of a situation a seed makes. */
export type Count =
  /** Exactly the seed option of that name. */
  | { exactly: 'dueFollowUp' | 'dueClose' }
  /** An open trap: at least one, plus this weight's share of the open tickets left over. */
  | { trap: number }
  /** The trashed tickets `trashedShare` asks for beyond the open trashed ones (0 without it). */
  | { trashedRest: true }
  /** This share of the closed tickets not in the trash. */
  | { shareOfClosed: number }
  /** Every closed ticket left. */
  | { rest: true }

export type Builder = (plan: Plan, draw: Draw, index: number) => void

const HOUR = 3_600_000

// ------------------------------------------------------------------ shared steps

/** An agent reply clearly past followUpHours and clearly before closeHours. */
const dueAge = (d: Draw): number => d.F + d.G * d.between(0.15, 0.85)

/** A customer message some time before a reply at `ageH`. */
const before = (d: Draw, ageH: number): number => ageH + d.between(0.3, 20)

/** The customer asks, the agent answers `ageH` hours ago. */
function exchange(p: Plan, d: Draw, ageH: number): void {
  p.steps.push({ kind: 'customer', ageH: before(d, ageH) }, { kind: 'agent', ageH })
}

/** An exchange whose agent reply is due for a follow-up; returns the reply's age. */
function dueExchange(p: Plan, d: Draw): number {
  const a = dueAge(d)
  exchange(p, d, a)
  return a
}

/** A follow-up `fu` hours ago, after an agent reply old enough to have been due then. */
function followedUp(p: Plan, d: Draw, fu: number): void {
  exchange(p, d, fu + d.F * d.between(1, 1.3))
  p.steps.push({ kind: 'followUp', ageH: fu })
  p.tags.push(d.followUpTag)
}

const isoAgo = (d: Draw, ageH: number): string => new Date(d.nowMs - ageH * HOUR).toISOString()

// ------------------------------------------------------------------ one builder per situation

const closed: Builder = (p, d) => {
  const last = d.between(1, 24 * 90)
  if (d.rand() < 0.7) exchange(p, d, last)
  else {
    // The customer said thanks, then an agent closed the ticket.
    exchange(p, d, last + d.between(0.5, 30))
    p.steps.push({ kind: 'customer', ageH: last })
  }
  p.closedAgeH = Math.max(0.02, last - d.between(0.01, Math.min(48, last * 0.9)))
}

const trashedClosed: Builder = (p, d, i) => {
  closed(p, d, i)
  const trashedAge = (p.closedAgeH ?? 1) * d.between(0.1, 0.9)
  p.extra.trashed_datetime = isoAgo(d, trashedAge)
  p.editAgeH = trashedAge
}

const previouslyAutoClosed: Builder = (p, d) => {
  const fu = d.C + d.between(24, 24 * 60)
  followedUp(p, d, fu)
  p.closedAgeH = Math.max(0.05, fu - d.G * d.between(1, 1.2))
  p.tags.push(d.closedTag)
}

const customerSpokeLast: Builder = (p, d, i) => {
  const last = d.between(0.2, 24 * 10)
  if (d.rand() < 0.6) exchange(p, d, last + d.between(1, 48))
  p.steps.push({ kind: 'customer', ageH: last })
  if (i === 0 || d.rand() < 0.25) {
    p.steps.push({ kind: 'note', ageH: last * d.between(0.3, 0.9) })
    p.noteAfterCustomer = true
  }
}

const agentRepliedRecently: Builder = (p, d) => exchange(p, d, d.F * d.between(0.1, 0.8))

const dueFollowUp: Builder = (p, d, i) => {
  const a = dueExchange(p, d)
  if (i % 4 === 1) {
    // Still older than followUpHours, whichever message a policy counts from.
    p.steps.push({ kind: 'note', ageH: a - d.G * d.between(0.01, 0.05) })
    p.noteAfterAgent = true
  }
  if (i % 2 === 0) p.tags.push(p.topic.tag)
}

const dueClose: Builder = (p, d) => {
  followedUp(p, d, d.C * d.between(1.1, 2) + 1)
  if (d.rand() < 0.5) p.tags.push(p.topic.tag)
}

const followUpNotYetDue: Builder = (p, d) => {
  const fu = d.G * d.between(0.1, 0.3)
  exchange(p, d, fu + d.F + d.G * d.between(0, 0.1))
  p.steps.push({ kind: 'followUp', ageH: fu })
  p.tags.push(d.followUpTag)
}

const customerRepliedAfterFollowUp: Builder = (p, d) => {
  const fu = d.C * d.between(1.1, 2) + 1
  followedUp(p, d, fu)
  p.steps.push({ kind: 'customer', ageH: fu * d.between(0.1, 0.8) })
}

const snoozed: Builder = (p, d) => {
  const a = dueExchange(p, d)
  p.extra.snooze_datetime = new Date(d.nowMs + d.between(6, 120) * HOUR).toISOString()
  p.editAgeH = a - d.between(0.01, 0.2)
}

const spam: Builder = (p, d) => {
  dueExchange(p, d)
  p.extra.spam = true
}

const trashed: Builder = (p, d) => {
  const trashedAge = dueExchange(p, d) * d.between(0.1, 0.9)
  p.extra.trashed_datetime = isoAgo(d, trashedAge)
  p.editAgeH = trashedAge
}

/** Due otherwise, but carries a tag teams exclude ('vip', 'escalated'). */
const tagged: Builder = (p, d) => {
  dueExchange(p, d)
  p.tags.push(p.situation)
}

/** Due otherwise, but on a channel other than email. */
const otherChannel: Builder = (p, d) => {
  p.channel = p.situation as Plan['channel']
  dueExchange(p, d)
}

const failedAgentReply: Builder = (p, d) => {
  const a = dueAge(d)
  p.steps.push({ kind: 'customer', ageH: before(d, a) }, { kind: 'agent', ageH: a, failed: true })
}

// ------------------------------------------------------------------ the table

export type Situation =
  | 'dueFollowUp'
  | 'dueClose'
  | 'customerSpokeLast'
  | 'agentRepliedRecently'
  | 'followUpNotYetDue'
  | 'customerRepliedAfterFollowUp'
  | 'snoozed'
  | 'spam'
  | 'trashed'
  | 'vip'
  | 'escalated'
  | 'chat'
  | 'sms'
  | 'facebook'
  | 'failedAgentReply'
  | 'trashedClosed'
  | 'previouslyAutoClosed'
  | 'closed'

export interface SituationRow {
  status: 'open' | 'closed'
  count: Count
  build: Builder
}

/** Every situation: open or closed, how many, and its builder. Order is the drawing order. */
export const SITUATIONS: Record<Situation, SituationRow> = {
  dueFollowUp: { status: 'open', count: { exactly: 'dueFollowUp' }, build: dueFollowUp },
  dueClose: { status: 'open', count: { exactly: 'dueClose' }, build: dueClose },
  customerSpokeLast: { status: 'open', count: { trap: 5 }, build: customerSpokeLast },
  agentRepliedRecently: { status: 'open', count: { trap: 4 }, build: agentRepliedRecently },
  followUpNotYetDue: { status: 'open', count: { trap: 1 }, build: followUpNotYetDue },
  customerRepliedAfterFollowUp: { status: 'open', count: { trap: 1 }, build: customerRepliedAfterFollowUp }, // prettier-ignore
  snoozed: { status: 'open', count: { trap: 0.6 }, build: snoozed },
  spam: { status: 'open', count: { trap: 0.4 }, build: spam },
  trashed: { status: 'open', count: { trap: 0.3 }, build: trashed },
  vip: { status: 'open', count: { trap: 0.6 }, build: tagged },
  escalated: { status: 'open', count: { trap: 0.4 }, build: tagged },
  chat: { status: 'open', count: { trap: 1.2 }, build: otherChannel },
  sms: { status: 'open', count: { trap: 0.4 }, build: otherChannel },
  facebook: { status: 'open', count: { trap: 0.4 }, build: otherChannel },
  failedAgentReply: { status: 'open', count: { trap: 0.3 }, build: failedAgentReply },
  trashedClosed: { status: 'closed', count: { trashedRest: true }, build: trashedClosed },
  previouslyAutoClosed: { status: 'closed', count: { shareOfClosed: 0.08 }, build: previouslyAutoClosed }, // prettier-ignore
  closed: { status: 'closed', count: { rest: true }, build: closed }
}

export const SITUATION_NAMES = Object.keys(SITUATIONS) as Situation[]
