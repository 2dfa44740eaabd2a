/**
 * Fills a simulator with a realistic, deterministic helpdesk account (an online shop: orders,
 * returns, shipping) in which every situation the action must tell apart exists, and returns the
 * ticket ids per situation so tests can assert on exactly what should and should not happen.
 *
 * Timings leave wide margins around every threshold, so a slow test run cannot turn a "not due"
 * ticket into a due one. Whichever way a policy reads "close-hours" (since the agent's reply or
 * since the follow-up), `dueClose` tickets are due and `followUpNotYetDue` ones are not.
 */
import type { Message, TicketUser } from '../src/gorgias/types.js'
import {
  AGENTS,
  API_USER_ID,
  type GorgiasSimulator,
  type TicketInput,
  type View
} from './server.js'

export interface SeedOptions {
  /** The moment the account is seen at; every timestamp is placed relative to it. */
  now: Date
  /** Total number of tickets. */
  tickets: number
  /** Share of open tickets (default 0.3); raised when the required situations need more. */
  openShare?: number
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

type Situation =
  | 'closed'
  | 'previouslyAutoClosed'
  | 'customerSpokeLast'
  | 'agentRepliedRecently'
  | 'dueFollowUp'
  | 'dueClose'
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

/** Open situations that exist at least once in every seeded account, with their share of extras. */
const TRAPS: Array<[Situation, number]> = [
  ['customerSpokeLast', 5],
  ['agentRepliedRecently', 4],
  ['followUpNotYetDue', 1],
  ['customerRepliedAfterFollowUp', 1],
  ['snoozed', 0.6],
  ['spam', 0.4],
  ['trashed', 0.3],
  ['vip', 0.6],
  ['escalated', 0.4],
  ['chat', 1.2],
  ['sms', 0.4],
  ['facebook', 0.4],
  ['failedAgentReply', 0.3]
]

type Step =
  | { kind: 'customer'; ageH: number }
  | { kind: 'agent'; ageH: number; failed?: boolean }
  | { kind: 'note'; ageH: number }
  | { kind: 'followUp'; ageH: number }

interface Plan {
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
  /** Hours ago the ticket was closed / snoozed / trashed etc. (the last edit). */
  lastEditAgeH?: number
  noteAfterAgent?: boolean
  noteAfterCustomer?: boolean
}

interface Topic {
  subject: string
  tag: string
  ask: string
  answer: string
  again: string
}

const TOPICS: Topic[] = [
  {
    subject: 'Where is my order #{order}?',
    tag: 'order-status',
    ask: 'Hi, I ordered the {product} last week and it still has not arrived. The tracking page has not moved in days. Can you check what is going on?',
    answer:
      'I checked with the carrier: your parcel is in transit and should reach you within 2 business days. You can follow it here: https://track.acme.test/{order}.',
    again: 'The tracking link still shows the same status. Is there anything else you can do?'
  },
  {
    subject: 'Return request for order #{order}',
    tag: 'returns',
    ask: 'Hello, I would like to return the {product} from order #{order}, it is not what I expected. How do I do that?',
    answer:
      'No problem at all. I have emailed you a prepaid return label; drop the parcel at any post office within 30 days and we will refund you as soon as it reaches our warehouse.',
    again: 'Thanks. Do I need to include the original packaging?'
  },
  {
    subject: 'Wrong size delivered',
    tag: 'returns',
    ask: 'I ordered the {product} in M but received an L. Can you send the right size?',
    answer:
      'Sorry about that mix-up! I have reserved an M for you. Once you confirm your address we will ship it with express delivery, and you can keep the L until the new one arrives.',
    again: 'My address is the same as on the order. When will it ship?'
  },
  {
    subject: 'Refund not received yet',
    tag: 'refund',
    ask: 'You confirmed my return of the {product} two weeks ago but I still have not seen the refund on my card.',
    answer:
      'I can see the refund was issued on our side. Banks usually take 5 to 10 business days to show it; if it is not there by next Friday, reply and I will open a claim with our payment provider.',
    again: 'Still nothing on my statement today.'
  },
  {
    subject: 'Change shipping address for #{order}',
    tag: 'shipping',
    ask: 'I just placed order #{order} but I used my old address. Can you change it before it ships?',
    answer:
      'Good timing, the order had not left the warehouse yet. I have updated the shipping address; you will get a new confirmation email shortly.',
    again: 'I did not get the confirmation email yet.'
  },
  {
    subject: 'Package arrived damaged',
    tag: 'damaged',
    ask: 'The box was crushed and the {product} inside is damaged. I attached photos.',
    answer:
      'I am so sorry it arrived like this. I have sent a replacement free of charge, no need to return the damaged one.',
    again: 'Thank you! Will I get a tracking number for the replacement?'
  },
  {
    subject: 'Discount code not working',
    tag: 'promo',
    ask: 'The code WELCOME10 from your newsletter says it is invalid at checkout for the {product}.',
    answer:
      'That code only applies to full-price items, and the {product} is on sale this week. I have applied a 10% credit to your account instead, usable on your next order.',
    again: 'Can I use the credit on a sale item?'
  },
  {
    subject: 'Do you ship to Canada?',
    tag: 'shipping',
    ask: 'Hi! I would love to order the {product} but I live in Toronto. Do you ship to Canada and how much does it cost?',
    answer:
      'We do! Shipping to Canada is $12 and takes 5 to 8 business days; duties are included at checkout so there is nothing to pay on delivery.',
    again: 'Great, and can I return it from Canada if it does not fit?'
  },
  {
    subject: 'Cancel my order #{order}',
    tag: 'cancellation',
    ask: 'Please cancel order #{order}, I ordered the {product} twice by mistake.',
    answer: 'Done: I cancelled the duplicate order and the refund is on its way to your card.',
    again: 'I still see both charges, can you confirm?'
  },
  {
    subject: 'Sizing question about the {product}',
    tag: 'product-question',
    ask: 'I am usually between M and L. How does the {product} fit?',
    answer:
      'The {product} runs slightly large, so most customers between sizes pick the M. You can exchange it for free if it does not fit.',
    again: 'And is it machine washable?'
  }
]

const PRODUCTS = [
  'merino wool sweater',
  'trail running shoes',
  'leather weekender bag',
  'ceramic pour-over set',
  'linen bed sheets',
  'waterproof rain jacket',
  'bamboo sunglasses',
  'organic cotton hoodie',
  'cast iron skillet',
  'wireless earbuds'
]

const FIRSTNAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Sophia', 'Mateo', 'Mia', 'Ethan', 'Chloe',
  'Hugo', 'Léa', 'Jonas', 'Amara', 'Kenji', 'Nadia', 'Omar', 'Inès', 'Zoe', 'Felix', 'Hannah',
  'Diego', 'Aisha', 'Tom', 'Clara', 'Ravi', 'Julia', 'Marco', 'Sofia', 'Björn', 'Yuki', 'Grace'
] // prettier-ignore
const LASTNAMES = [
  'Martin', 'Smith', 'Garcia', 'Müller', 'Dubois', 'Rossi', 'Kowalski', 'Nguyen', 'Brown',
  'Silva', 'Johansson', 'Tanaka', 'Okafor', 'Fischer', 'Moreau', 'Patel', 'Novak', 'Costa',
  'Wilson', 'Haddad', 'Larsen', 'Ivanova', 'Murphy', "O'Brien"
] // prettier-ignore

const HOUR = 3_600_000

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
  const { now, followUpHours: F, closeHours: C } = opts
  const nowMs = now.getTime()
  if (Number.isNaN(nowMs)) throw new RangeError('seedAccount: now is not a valid date')
  if (!(F > 0) || !(C > 0)) throw new RangeError('seedAccount: followUpHours and closeHours must be > 0') // prettier-ignore
  for (const key of ['tickets', 'dueFollowUp', 'dueClose'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 0) {
      throw new RangeError(`seedAccount: ${key} must be a whole number >= 0`)
    }
  }
  const G = C > F ? C - F : F
  const rand = prng(opts.seed ?? 1)
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rand()
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  const marker = opts.marker ?? defaultMarker
  const followUpTag = opts.followUpTag ?? 'auto-close-sent'
  const closedTag = opts.closedTag ?? 'auto-closed'

  // How many tickets per situation.
  const required = opts.dueFollowUp + opts.dueClose + TRAPS.length
  const openCount = Math.max(Math.round(opts.tickets * (opts.openShare ?? 0.3)), required)
  if (openCount > opts.tickets) {
    throw new RangeError(
      `seedAccount: ${opts.tickets} tickets cannot hold ${opts.dueFollowUp} due follow-ups, ` +
        `${opts.dueClose} due closes and one of each of the ${TRAPS.length} other open situations ` +
        `(need at least ${required})`
    )
  }
  const counts = new Map<Situation, number>([
    ['dueFollowUp', opts.dueFollowUp],
    ['dueClose', opts.dueClose]
  ])
  for (const [s] of TRAPS) counts.set(s, 1)
  const totalWeight = TRAPS.reduce((sum, [, w]) => sum + w, 0)
  for (let extra = openCount - required; extra > 0; extra--) {
    let r = rand() * totalWeight
    const hit = TRAPS.find(([, w]) => (r -= w) < 0) ?? TRAPS[0]
    if (hit) counts.set(hit[0], (counts.get(hit[0]) ?? 0) + 1)
  }
  const closedCount = opts.tickets - openCount
  const autoClosed = Math.min(closedCount, Math.round(closedCount * 0.08))
  counts.set('previouslyAutoClosed', autoClosed)
  counts.set('closed', closedCount - autoClosed)

  // Agent reply ages that are clearly inside or outside the thresholds.
  const dueAge = (): number => F + G * between(0.15, 0.85)
  const recentAge = (): number => F * between(0.1, 0.8)
  /** Customer message some time before a reply at `ageH`. */
  const before = (ageH: number): number => ageH + between(0.3, 20)

  const plans: Plan[] = []
  const customers: Array<Partial<TicketUser>> = []
  for (const [situation, count] of counts) {
    for (let i = 0; i < count; i++) {
      const steps: Step[] = []
      const plan: Plan = {
        situation,
        channel: 'email',
        steps,
        tags: [],
        topic: pick(TOPICS),
        order: 10000 + Math.floor(rand() * 90000),
        product: pick(PRODUCTS),
        agent: pick(AGENTS),
        customer: {},
        extra: {}
      }
      const agentThenDue = (): number => {
        const a = dueAge()
        steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
        return a
      }
      switch (situation) {
        case 'closed': {
          const last = between(1, 24 * 90)
          if (rand() < 0.7) {
            steps.push({ kind: 'customer', ageH: before(last) }, { kind: 'agent', ageH: last })
          } else {
            // The customer said thanks, then an agent closed the ticket.
            const a = last + between(0.5, 30)
            steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
            steps.push({ kind: 'customer', ageH: last })
          }
          plan.lastEditAgeH = Math.max(0.02, last - between(0.01, Math.min(48, last * 0.9)))
          break
        }
        case 'previouslyAutoClosed': {
          const fu = C + between(24, 24 * 60)
          const a = fu + F * between(1, 1.3)
          steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          steps.push({ kind: 'followUp', ageH: fu })
          plan.lastEditAgeH = Math.max(0.05, fu - G * between(1, 1.2))
          plan.tags.push(followUpTag, closedTag)
          break
        }
        case 'customerSpokeLast': {
          const last = between(0.2, 24 * 10)
          if (rand() < 0.6) {
            const a = last + between(1, 48)
            steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          }
          steps.push({ kind: 'customer', ageH: last })
          if (i === 0 || rand() < 0.25) {
            steps.push({ kind: 'note', ageH: last * between(0.3, 0.9) })
            plan.noteAfterCustomer = true
          }
          break
        }
        case 'agentRepliedRecently': {
          const a = recentAge()
          steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          break
        }
        case 'dueFollowUp': {
          const a = agentThenDue()
          if (i % 4 === 1) {
            // Still older than followUpHours, whichever message a policy counts from.
            steps.push({ kind: 'note', ageH: a - G * between(0.01, 0.05) })
            plan.noteAfterAgent = true
          }
          if (i % 2 === 0) plan.tags.push(plan.topic.tag)
          break
        }
        case 'dueClose': {
          const fu = C * between(1.1, 2) + 1
          const a = fu + F * between(1, 1.3)
          steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          steps.push({ kind: 'followUp', ageH: fu })
          plan.tags.push(followUpTag)
          if (rand() < 0.5) plan.tags.push(plan.topic.tag)
          break
        }
        case 'followUpNotYetDue': {
          const fu = G * between(0.1, 0.3)
          const a = fu + F + G * between(0, 0.1)
          steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          steps.push({ kind: 'followUp', ageH: fu })
          plan.tags.push(followUpTag)
          break
        }
        case 'customerRepliedAfterFollowUp': {
          const fu = C * between(1.1, 2) + 1
          const a = fu + F * between(1, 1.3)
          steps.push({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
          steps.push({ kind: 'followUp', ageH: fu }, { kind: 'customer', ageH: fu * between(0.1, 0.8) }) // prettier-ignore
          plan.tags.push(followUpTag)
          break
        }
        case 'snoozed': {
          const a = agentThenDue()
          plan.extra.snooze_datetime = new Date(nowMs + between(6, 120) * HOUR).toISOString()
          plan.lastEditAgeH = a - between(0.01, 0.2)
          break
        }
        case 'spam': {
          agentThenDue()
          plan.extra.spam = true
          break
        }
        case 'trashed': {
          const a = agentThenDue()
          const trashedAge = a * between(0.1, 0.9)
          plan.extra.trashed_datetime = new Date(nowMs - trashedAge * HOUR).toISOString()
          plan.lastEditAgeH = trashedAge
          break
        }
        case 'vip':
        case 'escalated': {
          agentThenDue()
          plan.tags.push(situation)
          break
        }
        case 'chat':
        case 'sms':
        case 'facebook': {
          plan.channel = situation
          agentThenDue()
          break
        }
        case 'failedAgentReply': {
          const a = dueAge()
          steps.push(
            { kind: 'customer', ageH: before(a) },
            { kind: 'agent', ageH: a, failed: true }
          )
          break
        }
      }
      // Some conversations had an earlier exchange.
      if (situation !== 'closed' && rand() < 0.3) {
        const first = steps[0]?.ageH ?? 0
        const a = first + between(2, 30)
        steps.unshift({ kind: 'customer', ageH: before(a) }, { kind: 'agent', ageH: a })
      }
      // Mostly new customers, some returning ones.
      if (customers.length > 0 && rand() < 0.15) plan.customer = pick(customers)
      else {
        plan.customer = newCustomer(rand, customers.length)
        customers.push(plan.customer)
      }
      if (situation !== 'dueFollowUp' && situation !== 'dueClose' && rand() < 0.5) {
        if (!plan.tags.includes(plan.topic.tag)) plan.tags.push(plan.topic.tag)
      }
      plans.push(plan)
    }
  }

  // Ids grow with creation time, as in Gorgias.
  plans.sort((a, b) => (b.steps[0]?.ageH ?? 0) - (a.steps[0]?.ageH ?? 0))

  const at = (ageH: number): string => new Date(nowMs - ageH * HOUR).toISOString()
  const apiUser = sim.agents().find(a => a.id === API_USER_ID) ?? { id: API_USER_ID }
  const ids = new Map<Situation, number[]>()
  const summary: SeedSummary = {
    now: now.toISOString(),
    all: [],
    open: [],
    closed: [],
    previouslyAutoClosed: [],
    customerSpokeLast: [],
    internalNoteAfterCustomer: [],
    agentRepliedRecently: [],
    dueFollowUp: [],
    internalNoteAfterAgentReply: [],
    dueFollowUpWithOtherTags: [],
    dueClose: [],
    followUpNotYetDue: [],
    customerRepliedAfterFollowUp: [],
    snoozed: [],
    spam: [],
    trashed: [],
    vip: [],
    escalated: [],
    chat: [],
    sms: [],
    facebook: [],
    failedAgentReply: [],
    lastAgentReply: {},
    views: []
  }

  for (const plan of plans) {
    const fill = (text: string): string =>
      text
        .replace(/\{order\}/g, String(plan.order))
        .replace(/\{product\}/g, plan.product)
        .replace(/\{first\}/g, String(plan.customer.firstname ?? 'there'))
    const subject = fill(plan.topic.subject)
    const isEmail = plan.channel === 'email'
    const agentUser = { id: plan.agent.id, email: plan.agent.email, name: plan.agent.name }
    let customerTurns = 0
    const toMessage = (step: Step, index: number): Partial<Message> => {
      const created = at(step.ageH)
      switch (step.kind) {
        case 'customer': {
          const text = customerTurns++ === 0 ? plan.topic.ask : plan.topic.again
          const name = plan.customer.firstname ?? ''
          return {
            from_agent: false,
            created_datetime: created,
            subject: isEmail ? (index === 0 ? subject : `Re: ${subject}`) : null,
            body_text: isEmail ? `${fill(text)}\n\n${name}`.trim() : fill(text)
          }
        }
        case 'agent':
          return {
            from_agent: true,
            sender: agentUser,
            created_datetime: created,
            subject: isEmail ? `Re: ${subject}` : null,
            body_text: isEmail
              ? `Hi ${plan.customer.firstname ?? 'there'},\n\n${fill(plan.topic.answer)}\n\nBest,\n${plan.agent.name}\nAcme Store`
              : fill(plan.topic.answer),
            ...(step.failed
              ? { failed_datetime: new Date(Date.parse(created) + 30_000).toISOString() }
              : {})
          }
        case 'note':
          return {
            channel: 'internal-note',
            from_agent: true,
            sender: agentUser,
            created_datetime: created,
            body_text: pick([
              'Asked the warehouse to double-check the parcel, waiting for their answer.',
              'Customer already got a 10% credit last month, no more goodwill gestures please.',
              'Refund approved by finance.',
              '@Sam can you take over while I am off on Friday?'
            ])
          }
        case 'followUp':
          throw new Error('follow-ups are added after the ticket')
      }
    }

    const firstFollowUp = plan.steps.findIndex(s => s.kind === 'followUp')
    const initial = firstFollowUp < 0 ? plan.steps : plan.steps.slice(0, firstFollowUp)
    const rest = firstFollowUp < 0 ? [] : plan.steps.slice(firstFollowUp)
    const firstAge = plan.steps[0]?.ageH ?? 0
    const closedAt = plan.lastEditAgeH !== undefined ? at(plan.lastEditAgeH) : undefined
    const isClosed = plan.situation === 'closed' || plan.situation === 'previouslyAutoClosed'
    const input: TicketInput = {
      channel: plan.channel,
      subject,
      customer: plan.customer.id !== undefined ? { id: plan.customer.id } : plan.customer,
      tags: plan.tags.map(name => ({ name })),
      created_datetime: at(firstAge + 2 / 60),
      language: 'en',
      messages: initial.map(toMessage),
      ...plan.extra
    }
    if (isClosed) {
      input.status = 'closed'
      input.closed_datetime = closedAt
    }
    if (!isClosed && rand() < 0.7) input.assignee_user = { ...agentUser }
    const ticket = sim.addTicket(input)
    if (plan.customer.id === undefined) plan.customer.id = ticket.customer?.id

    let n = 0
    for (const step of rest) {
      if (step.kind === 'followUp') {
        n++
        const replyId = lastAgentReply(sim.messages(ticket.id))?.id ?? 0
        const first = plan.customer.firstname ?? 'there'
        sim.addMessage(ticket.id, {
          from_agent: true,
          via: 'api',
          sender: { id: apiUser.id, email: apiUser.email ?? null, name: apiUser.name ?? null },
          created_datetime: at(step.ageH),
          subject: `Re: ${subject}`,
          body_text:
            `Hi ${first},\n\nWe wanted to check in on your request "${subject}". Did our last reply help? ` +
            'If you still need anything, just reply to this message.\n\nThanks!',
          external_id: marker(ticket.id, n, replyId)
        })
      } else sim.addMessage(ticket.id, toMessage(step, 1))
    }
    if (closedAt !== undefined && !isClosed) sim.setTicket(ticket.id, { updated_datetime: closedAt }) // prettier-ignore

    const list = ids.get(plan.situation) ?? []
    list.push(ticket.id)
    ids.set(plan.situation, list)
    summary.all.push(ticket.id)
    ;(isClosed ? summary.closed : summary.open).push(ticket.id)
    if (plan.situation !== 'closed') summary[plan.situation].push(ticket.id)
    if (plan.noteAfterAgent) summary.internalNoteAfterAgentReply.push(ticket.id)
    if (plan.noteAfterCustomer) summary.internalNoteAfterCustomer.push(ticket.id)
    if (plan.situation === 'dueFollowUp' && plan.tags.length > 0) {
      summary.dueFollowUpWithOtherTags.push(ticket.id)
    }
    if (!isClosed) {
      const reply = lastAgentReply(sim.messages(ticket.id))
      if (reply) summary.lastAgentReply[ticket.id] = reply.id
    }
  }

  const viewCount = opts.views ?? 0
  if (viewCount > 0) {
    const waiting = new Set<Situation>([
      'agentRepliedRecently',
      'dueFollowUp',
      'dueClose',
      'followUpNotYetDue',
      'snoozed',
      'vip',
      'escalated',
      'chat',
      'sms',
      'facebook'
    ])
    const openIds = summary.open.filter(
      id => !summary.spam.includes(id) && !summary.trashed.includes(id)
    )
    const defs: Array<{ name: string; ticketIds: number[] }> = [
      { name: 'Open tickets', ticketIds: openIds },
      {
        name: 'Waiting for customer',
        ticketIds: [...ids].flatMap(([s, list]) => (waiting.has(s) ? list : [])).sort((a, b) => a - b) // prettier-ignore
      },
      {
        name: 'Email',
        ticketIds: sim
          .tickets()
          .filter(t => t.channel === 'email')
          .map(t => t.id)
      },
      {
        name: 'VIP customers',
        ticketIds: sim.tickets().filter(t => t.tags?.some(tag => tag.name === 'vip')).map(t => t.id) // prettier-ignore
      }
    ]
    for (let k = 0; k < viewCount; k++) {
      const def = defs[k] ?? {
        name: `Team queue ${k - defs.length + 1}`,
        ticketIds: openIds.filter(() => rand() < 0.3)
      }
      const id = 3001 + k
      sim.setView(id, def.ticketIds, def.name)
      summary.views.push({ id, name: def.name, ticketIds: [...def.ticketIds] })
    }
  }
  return summary
}

/** The agent's last public, human (not marked), successfully sent reply. */
function lastAgentReply(messages: Message[]): Message | undefined {
  return messages
    .filter(
      m =>
        m.from_agent &&
        m.public !== false &&
        m.channel !== 'internal-note' &&
        !m.failed_datetime &&
        !(typeof m.external_id === 'string' && m.external_id !== '')
    )
    .at(-1)
}

function newCustomer(rand: () => number, n: number): Partial<TicketUser> {
  // About one customer in 16 is known by email only (no name): greetings must cope.
  if (rand() < 0.06) {
    return { email: `orders${1000 + n}@example.com`, name: null, firstname: null, lastname: null }
  }
  const firstname = FIRSTNAMES[Math.floor(rand() * FIRSTNAMES.length)] ?? 'Alex'
  const lastname = LASTNAMES[Math.floor(rand() * LASTNAMES.length)] ?? 'Doe'
  const slug = (s: string): string =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
  return {
    email: `${slug(firstname)}.${slug(lastname)}${n}@example.com`,
    name: `${firstname} ${lastname}`,
    firstname,
    lastname
  }
}
