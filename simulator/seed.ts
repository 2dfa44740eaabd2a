/**
 * Fills a simulator with a realistic, deterministic helpdesk account (an online shop: orders,
 * returns, shipping) in which every situation the action must tell apart exists, and returns the
 * ticket ids per situation so tests can assert on exactly what should and should not happen.
 *
 * The situations, how many of each and how each is built are the table in seed/situations.ts;
 * this module draws the counts, plans every ticket, writes the plans oldest first (ids grow with
 * creation time, as in Gorgias) and adds the views. It writes straight into the simulator's store,
 * so that a long history (100,000 tickets) seeds in seconds.
 */
import type { GorgiasSimulator } from './server.js'
import { AGENTS, API_USER_ID } from './account.js'
import { storeOf } from './store.js'
import type { View } from './types.js'
import { PRODUCTS, TOPICS, newCustomer } from './seed/content.js'
import { SITUATIONS, type Draw, type Plan, type Situation } from './seed/situations.js'
import { lastAgentReply, writePlan, type Writer } from './seed/write.js'
import type { TicketUser } from '../src/gorgias/types.js'

export interface SeedOptions {
  /** The moment the account is seen at; every timestamp is placed relative to it. */
  now: Date
  /** Total number of tickets. */
  tickets: number
  /** Share of open tickets (default 0.3); raised when the required situations need more. */
  openShare?: number
  /**
   * Share of all tickets in the trash (default: only the open `trashed` trap tickets). The open
   * trashed tickets count towards it; the rest are closed tickets moved to the trash
   * (`trashedClosed`). E.g. 0.05 on 100,000 tickets: 5,000 trashed tickets.
   */
  trashedShare?: number
  /** Exactly this many tickets are due for a follow-up (clean email tickets, agent spoke last). */
  dueFollowUp: number
  /** Exactly this many tickets are due for closing (follow-up sent long ago, no answer). */
  dueClose: number
  followUpHours: number
  closeHours: number
  /**
   * `external_id` of a follow-up message: ticket id, reminder number (1-based) and the id of the
   * agent reply it follows up on. Default `gorgias-auto-close:follow-up:${n}`.
   */
  marker?: (ticketId: number, n: number, replyId: number) => string
  /** Tag carried by tickets that got a follow-up (default 'auto-close-sent'). */
  followUpTag?: string
  /** Tag on tickets closed by an earlier run (default 'auto-closed'). */
  closedTag?: string
  /** Number of views to create (default 0). */
  views?: number
  /** PRNG seed (default 1): same seed and options, same account. */
  seed?: number
}

export interface SeedSummary {
  now: string
  all: number[]
  open: number[]
  closed: number[]
  /** Closed by an earlier run: follow-up then close, tags followUpTag and closedTag. */
  previouslyAutoClosed: number[]
  /** Open; the customer wrote last (no follow-up due). */
  customerSpokeLast: number[]
  /** Subset of customerSpokeLast: an internal note came after the customer's message. */
  internalNoteAfterCustomer: number[]
  /** Open; the agent replied less than followUpHours ago. */
  agentRepliedRecently: number[]
  /** Open email tickets due for a follow-up: exactly opts.dueFollowUp of them. */
  dueFollowUp: number[]
  /** Subset of dueFollowUp: an internal note (also older than followUpHours) follows the agent reply. */
  internalNoteAfterAgentReply: number[]
  /** Subset of dueFollowUp: carry an unrelated tag (e.g. 'shipping') that must survive. */
  dueFollowUpWithOtherTags: number[]
  /** Open, follow-up sent long ago and unanswered: exactly opts.dueClose of them. */
  dueClose: number[]
  /** Open, follow-up sent recently: not yet due for closing. */
  followUpNotYetDue: number[]
  /** Open, follow-up sent, then the customer answered. */
  customerRepliedAfterFollowUp: number[]
  /** Open but snoozed until a future date; agent reply old enough to be due otherwise. */
  snoozed: number[]
  /** Open, marked spam; agent reply old enough to be due otherwise. */
  spam: number[]
  /** Open, in the trash; agent reply old enough to be due otherwise. */
  trashed: number[]
  /** Closed, then moved to the trash (only with `trashedShare`). */
  trashedClosed: number[]
  /** Open, tagged 'vip'; agent reply old enough to be due otherwise. */
  vip: number[]
  /** Open, tagged 'escalated'; agent reply old enough to be due otherwise. */
  escalated: number[]
  /** Open chat / SMS / Facebook tickets; agent reply old enough to be due otherwise. */
  chat: number[]
  sms: number[]
  facebook: number[]
  /** Open; the agent's last reply failed to send (failed_datetime), old enough otherwise. */
  failedAgentReply: number[]
  /** Ticket id -> id of the agent's last public reply, for every open ticket that has one. */
  lastAgentReply: Record<number, number>
  views: View[]
}

export function defaultMarker(_ticketId: number, n: number): string {
  return `gorgias-auto-close:follow-up:${n}`
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function seedAccount(sim: GorgiasSimulator, opts: SeedOptions): SeedSummary {
  checkOptions(opts)
  const rand = prng(opts.seed ?? 1)
  const { followUpHours: F, closeHours: C } = opts
  const draw: Draw = {
    F,
    C,
    G: C > F ? C - F : F,
    nowMs: opts.now.getTime(),
    followUpTag: opts.followUpTag ?? 'auto-close-sent',
    closedTag: opts.closedTag ?? 'auto-closed',
    rand,
    between: (lo, hi) => lo + (hi - lo) * rand()
  }
  // Ids grow with creation time, as in Gorgias: oldest conversation first.
  const plans = planTickets(countSituations(opts, rand), draw)
    .map(plan => ({ plan, startAgeH: plan.steps[0]?.ageH ?? 0 }))
    .sort((a, b) => b.startAgeH - a.startAgeH)
    .map(({ plan }) => plan)

  const store = storeOf(sim)
  const writer: Writer = {
    store,
    nowMs: draw.nowMs,
    rand,
    marker: opts.marker ?? defaultMarker,
    apiUser: store.agents.get(API_USER_ID) ?? { id: API_USER_ID }
  }
  const summary = emptySummary(opts.now)
  for (const plan of plans) {
    const ticket = writePlan(writer, plan)
    record(summary, plan, ticket.id)
    if (ticket.status !== 'closed') {
      const reply = lastAgentReply(store.sortedMessages(ticket.id))
      if (reply) summary.lastAgentReply[ticket.id] = reply.id
    }
  }
  addViews(sim, summary, opts.views ?? 0, rand)
  return summary
}

function checkOptions(opts: SeedOptions): void {
  if (Number.isNaN(opts.now.getTime())) throw new RangeError('seedAccount: now is not a valid date')
  if (!(opts.followUpHours > 0) || !(opts.closeHours > 0)) {
    throw new RangeError('seedAccount: followUpHours and closeHours must be > 0')
  }
  for (const key of ['tickets', 'dueFollowUp', 'dueClose'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 0) {
      throw new RangeError(`seedAccount: ${key} must be a whole number >= 0`)
    }
  }
  for (const key of ['openShare', 'trashedShare'] as const) {
    const share = opts[key]
    if (share !== undefined && !(share >= 0 && share <= 1)) {
      throw new RangeError(`seedAccount: ${key} must be between 0 and 1`)
    }
  }
}

/** How many tickets of each situation, drawn from the table's counts. */
function countSituations(opts: SeedOptions, rand: () => number): Map<Situation, number> {
  const rows = Object.entries(SITUATIONS) as Array<[Situation, (typeof SITUATIONS)[Situation]]>
  const traps = rows.flatMap(([s, row]) => ('trap' in row.count ? [[s, row.count.trap] as const] : [])) // prettier-ignore
  const counts = new Map<Situation, number>()
  for (const [s, row] of rows) counts.set(s, 'exactly' in row.count ? opts[row.count.exactly] : 0)
  const required = opts.dueFollowUp + opts.dueClose + traps.length
  const openCount = Math.max(Math.round(opts.tickets * (opts.openShare ?? 0.3)), required)
  if (openCount > opts.tickets) {
    throw new RangeError(
      `seedAccount: ${opts.tickets} tickets cannot hold ${opts.dueFollowUp} due follow-ups, ` +
        `${opts.dueClose} due closes and one of each of the ${traps.length} other open situations ` +
        `(need at least ${required})`
    )
  }
  for (const [s] of traps) counts.set(s, 1)
  const totalWeight = traps.reduce((sum, [, w]) => sum + w, 0)
  for (let extra = openCount - required; extra > 0; extra--) {
    let r = rand() * totalWeight
    const hit = traps.find(([, w]) => (r -= w) < 0) ?? traps[0]
    if (hit) counts.set(hit[0], (counts.get(hit[0]) ?? 0) + 1)
  }

  const closedCount = opts.tickets - openCount
  const openTrashed = counts.get('trashed') ?? 0
  const wantTrashed = opts.trashedShare === undefined ? 0 : Math.round(opts.tickets * opts.trashedShare) // prettier-ignore
  const trashedClosed = Math.max(0, wantTrashed - openTrashed)
  if (trashedClosed > closedCount) {
    throw new RangeError(`seedAccount: ${closedCount} closed tickets cannot hold ${trashedClosed} trashed ones`) // prettier-ignore
  }
  let history = closedCount - trashedClosed
  for (const [s, row] of rows) {
    if ('trashedRest' in row.count) counts.set(s, trashedClosed)
    else if ('shareOfClosed' in row.count) {
      const n = Math.min(history, Math.round((closedCount - trashedClosed) * row.count.shareOfClosed)) // prettier-ignore
      counts.set(s, n)
      history -= n
    }
  }
  for (const [s, row] of rows) if ('rest' in row.count) counts.set(s, history)
  return counts
}

/** One plan per ticket: its situation's builder, then what every conversation shares. */
function planTickets(counts: Map<Situation, number>, d: Draw): Plan[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(d.rand() * list.length)] as T
  const plans: Plan[] = []
  const customers: Array<Partial<TicketUser>> = []
  for (const [situation, count] of counts) {
    const row = SITUATIONS[situation]
    for (let i = 0; i < count; i++) {
      const plan: Plan = {
        situation,
        channel: 'email',
        steps: [],
        tags: [],
        topic: pick(TOPICS),
        order: 10000 + Math.floor(d.rand() * 90000),
        product: pick(PRODUCTS),
        agent: pick(AGENTS),
        customer: {},
        extra: {}
      }
      row.build(plan, d, i)
      // Some open conversations had an earlier exchange.
      if (row.status === 'open' && d.rand() < 0.3) {
        const a = (plan.steps[0]?.ageH ?? 0) + d.between(2, 30)
        plan.steps.unshift({ kind: 'customer', ageH: a + d.between(0.3, 20) }, { kind: 'agent', ageH: a }) // prettier-ignore
      }
      // Mostly new customers, some returning ones.
      if (customers.length > 0 && d.rand() < 0.15) plan.customer = pick(customers)
      else {
        plan.customer = newCustomer(d.rand, customers.length)
        customers.push(plan.customer)
      }
      if (situation !== 'dueFollowUp' && situation !== 'dueClose' && d.rand() < 0.5) {
        if (!plan.tags.includes(plan.topic.tag)) plan.tags.push(plan.topic.tag)
      }
      plans.push(plan)
    }
  }
  return plans
}

function emptySummary(now: Date): SeedSummary {
  const lists = Object.keys(SITUATIONS).filter(s => s !== 'closed')
  return {
    now: now.toISOString(),
    all: [],
    open: [],
    closed: [],
    ...(Object.fromEntries(lists.map(s => [s, [] as number[]])) as Record<Exclude<Situation, 'closed'>, number[]>), // prettier-ignore
    internalNoteAfterCustomer: [],
    internalNoteAfterAgentReply: [],
    dueFollowUpWithOtherTags: [],
    lastAgentReply: {},
    views: []
  }
}

function record(summary: SeedSummary, plan: Plan, id: number): void {
  summary.all.push(id)
  ;(SITUATIONS[plan.situation].status === 'closed' ? summary.closed : summary.open).push(id)
  if (plan.situation !== 'closed') summary[plan.situation].push(id)
  if (plan.noteAfterAgent) summary.internalNoteAfterAgentReply.push(id)
  if (plan.noteAfterCustomer) summary.internalNoteAfterCustomer.push(id)
  if (plan.situation === 'dueFollowUp' && plan.tags.length > 0) {
    summary.dueFollowUpWithOtherTags.push(id)
  }
}

/** Saved views: open tickets, waiting for the customer, email, VIP, then team queues. */
function addViews(
  sim: GorgiasSimulator,
  summary: SeedSummary,
  count: number,
  rand: () => number
): void {
  // prettier-ignore
  if (count <= 0) return
  const waiting: Situation[] = ['agentRepliedRecently', 'dueFollowUp', 'dueClose', 'followUpNotYetDue', 'snoozed', 'vip', 'escalated', 'chat', 'sms', 'facebook'] // prettier-ignore
  const excluded = new Set([...summary.spam, ...summary.trashed])
  const openIds = summary.open.filter(id => !excluded.has(id))
  const tickets = [...storeOf(sim).tickets.values()].sort((a, b) => a.id - b.id)
  const defs: Array<{ name: string; ticketIds: number[] }> = [
    { name: 'Open tickets', ticketIds: openIds },
    {
      name: 'Waiting for customer',
      ticketIds: waiting.flatMap(s => summary[s]).sort((a, b) => a - b)
    },
    { name: 'Email', ticketIds: tickets.filter(t => t.channel === 'email').map(t => t.id) },
    {
      name: 'VIP customers',
      ticketIds: tickets.filter(t => t.tags?.some(tag => tag.name === 'vip')).map(t => t.id)
    }
  ]
  for (let k = 0; k < count; k++) {
    const def = defs[k] ?? {
      name: `Team queue ${k - defs.length + 1}`,
      ticketIds: openIds.filter(() => rand() < 0.3)
    }
    const id = 3001 + k
    sim.setView(id, def.ticketIds, def.name)
    summary.views.push({ id, name: def.name, ticketIds: [...def.ticketIds] })
  }
}
