/**
 * Writes one planned ticket into the simulator's store: the messages of its conversation (with
 * the shop's texts), its follow-ups (marked as the action marks them), tags and fields.
 */
import type { Message, Ticket, TicketUser } from '../../src/gorgias/types.js'
import type { Store } from '../store.js'
import type { TicketInput } from '../types.js'
import type { Plan, Step } from './situations.js'

const HOUR = 3_600_000

const NOTES = [
  'Asked the warehouse to double-check the parcel, waiting for their answer.',
  'Customer already got a 10% credit last month, no more goodwill gestures please.',
  'Refund approved by finance.',
  '@Sam can you take over while I am off on Friday?'
]

export interface Writer {
  store: Store
  nowMs: number
  rand: () => number
  /** `external_id` of the n-th follow-up on a ticket, after the agent reply `replyId`. */
  marker: (ticketId: number, n: number, replyId: number) => string
  /** The API key's user: the sender of follow-ups. */
  apiUser: TicketUser
}

/** The agent's last public, human (not marked), successfully sent reply. */
export function lastAgentReply(messages: Message[]): Message | undefined {
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

/** Adds the planned ticket (the store's own object is returned: do not hand it out). */
export function writePlan(w: Writer, plan: Plan): Ticket {
  const at = (ageH: number): string => new Date(w.nowMs - ageH * HOUR).toISOString()
  const fill = (text: string): string =>
    text
      .replace(/\{order\}/g, String(plan.order))
      .replace(/\{product\}/g, plan.product)
      .replace(/\{first\}/g, String(plan.customer.firstname ?? 'there'))
  const subject = fill(plan.topic.subject)
  const toMessage = messageMaker(w, plan, subject, fill, at)

  const firstFollowUp = plan.steps.findIndex(s => s.kind === 'followUp')
  const initial = firstFollowUp < 0 ? plan.steps : plan.steps.slice(0, firstFollowUp)
  const rest = firstFollowUp < 0 ? [] : plan.steps.slice(firstFollowUp)
  const isClosed = plan.closedAgeH !== undefined
  const input: TicketInput = {
    channel: plan.channel,
    subject,
    customer: plan.customer.id !== undefined ? { id: plan.customer.id } : plan.customer,
    tags: plan.tags.map(name => ({ name })),
    created_datetime: at((plan.steps[0]?.ageH ?? 0) + 2 / 60),
    language: 'en',
    messages: initial.map(toMessage),
    ...plan.extra
  }
  if (isClosed) {
    input.status = 'closed'
    input.closed_datetime = at(plan.closedAgeH ?? 0)
  }
  if (!isClosed && w.rand() < 0.7) input.assignee_user = agentUser(plan)
  // A closed conversation is history: its messages are only made if a client opens it.
  const ticket = w.store.addTicket(input, { threadOnRead: isClosed && rest.length === 0 })
  if (plan.customer.id === undefined) plan.customer.id = ticket.customer?.id

  let n = 0
  for (const step of rest) {
    if (step.kind !== 'followUp') w.store.addMessage(ticket.id, toMessage(step, 1))
    else addFollowUp(w, plan, ticket.id, subject, ++n, at(step.ageH))
  }
  if (plan.editAgeH !== undefined) ticket.updated_datetime = at(plan.editAgeH)
  return ticket
}

function agentUser(plan: Plan): TicketUser {
  return { id: plan.agent.id, email: plan.agent.email, name: plan.agent.name }
}

/** The message of one step of the conversation, in the shop's words. */
function messageMaker(
  w: Writer,
  plan: Plan,
  subject: string,
  fill: (text: string) => string,
  at: (ageH: number) => string
): (step: Step, index: number) => Partial<Message> {
  const isEmail = plan.channel === 'email'
  const first = plan.customer.firstname
  let customerTurns = 0
  return (step, index) => {
    const created = at(step.ageH)
    switch (step.kind) {
      case 'customer': {
        const text = customerTurns++ === 0 ? plan.topic.ask : plan.topic.again
        return {
          from_agent: false,
          created_datetime: created,
          subject: isEmail ? (index === 0 ? subject : `Re: ${subject}`) : null,
          body_text: isEmail ? `${fill(text)}\n\n${first ?? ''}`.trim() : fill(text)
        }
      }
      case 'agent':
        return {
          from_agent: true,
          sender: agentUser(plan),
          created_datetime: created,
          subject: isEmail ? `Re: ${subject}` : null,
          body_text: isEmail
            ? `Hi ${first ?? 'there'},\n\n${fill(plan.topic.answer)}\n\nBest,\n${plan.agent.name}\nAcme Store`
            : fill(plan.topic.answer),
          ...(step.failed ? { failed_datetime: new Date(Date.parse(created) + 30_000).toISOString() } : {}) // prettier-ignore
        }
      case 'note':
        return {
          channel: 'internal-note',
          from_agent: true,
          sender: agentUser(plan),
          created_datetime: created,
          body_text: NOTES[Math.floor(w.rand() * NOTES.length)]
        }
      case 'followUp':
        throw new Error('follow-ups are added after the ticket')
    }
  }
}

/** A follow-up as the action sends it: from the API user, marked in external_id. */
function addFollowUp(
  w: Writer,
  plan: Plan,
  ticketId: number,
  subject: string,
  n: number,
  created: string
): void {
  const replyId = lastAgentReply(w.store.sortedMessages(ticketId))?.id ?? 0
  const first = plan.customer.firstname ?? 'there'
  w.store.addMessage(ticketId, {
    from_agent: true,
    via: 'api',
    sender: { id: w.apiUser.id, email: w.apiUser.email ?? null, name: w.apiUser.name ?? null },
    created_datetime: created,
    subject: `Re: ${subject}`,
    body_text:
      `Hi ${first},\n\nWe wanted to check in on your request "${subject}". Did our last reply help? ` +
      'If you still need anything, just reply to this message.\n\nThanks!',
    external_id: w.marker(ticketId, n, replyId)
  })
}
