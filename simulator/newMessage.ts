/**
 * A message as Gorgias stores it, from the fields a test or the seed gives (the rest defaulted the
 * way the real thing looks for its direction and channel). Pure: the store registers senders and
 * does the ticket's bookkeeping.
 */
import type { Message, Ticket, TicketUser } from '../src/gorgias/types.js'
import { CHANNELS, defaultSource } from './account.js'
import { escapeHtml } from './values.js'

/** What a message's defaults come from: its ticket, as it was when the message was added. */
export type ThreadOwner = Pick<Ticket, 'id' | 'channel' | 'customer' | 'subject'>

/** The fields of `m` that the ticket's bookkeeping reads, as the stored message will have them. */
export function messageKind(
  m: Partial<Message>,
  ticketChannel: string
): {
  channel: string
  isNote: boolean
  fromAgent: boolean
  from_agent: boolean
  public: boolean | null
} {
  // prettier-ignore
  const channel = m.channel ?? ticketChannel
  const isNote = channel === 'internal-note'
  const fromAgent = m.from_agent ?? isNote
  return {
    channel,
    isNote,
    fromAgent,
    // Given fields win over the defaults, even a null one.
    from_agent: m.from_agent === undefined ? fromAgent : m.from_agent,
    public: m.public === undefined ? !isNote : m.public
  }
}

/**
 * The message at `position` in its ticket's thread. `customer` is the ticket's customer (or one
 * made up for a ticket without), `agent` the default agent, `sender` the resolved sender.
 */
export function newMessage(
  owner: ThreadOwner,
  position: number,
  m: Partial<Message> & { id: number; created_datetime: string },
  people: { customer: TicketUser; agent: TicketUser; sender: TicketUser | null }
): Message {
  const { customer, agent, sender } = people
  const { channel, isNote, fromAgent } = messageKind(m, owner.channel)
  const info = CHANNELS[channel] ?? CHANNELS[owner.channel] ?? CHANNELS.email
  const bodyText = m.body_text ?? defaultBody(isNote, fromAgent, customer, sender)
  const subject =
    m.subject !== undefined
      ? m.subject
      : channel !== 'email'
        ? null
        : position === 0
          ? (owner.subject ?? null)
          : `Re: ${owner.subject ?? ''}`
  const message: Message = {
    id: m.id,
    ticket_id: owner.id,
    channel,
    via: fromAgent ? 'helpdesk' : (info?.via ?? 'api'),
    from_agent: fromAgent,
    public: !isNote,
    source: defaultSource(channel, fromAgent, customer, sender ?? agent),
    sender: sender ? { ...sender } : null,
    receiver:
      fromAgent && !isNote ? { id: customer.id, email: customer.email, name: customer.name } : null,
    integration_id: isNote ? null : (info?.integrationId ?? null),
    subject,
    body_text: bodyText,
    body_html: m.body_html ?? `<div>${escapeHtml(bodyText).replace(/\n/g, '<br>')}</div>`,
    stripped_text: m.stripped_text ?? bodyText,
    created_datetime: m.created_datetime,
    sent_datetime: m.failed_datetime ? null : m.created_datetime,
    failed_datetime: null,
    external_id: null
  }
  for (const [key, value] of Object.entries(m)) {
    if (value !== undefined) (message as unknown as Record<string, unknown>)[key] = value
  }
  message.ticket_id = owner.id
  return message
}

function defaultBody(
  isNote: boolean,
  fromAgent: boolean,
  customer: TicketUser,
  sender: TicketUser | null
): string {
  if (isNote) return 'Checked with the warehouse, waiting for their answer.'
  if (fromAgent) {
    return `Hi ${customer.firstname ?? 'there'},\n\nThanks for reaching out. Could you send us your order number?\n\nBest,\n${sender?.name ?? 'Acme Support'}`
  }
  return `Hello,\n\nI have a question about my order.\n\n${customer.name ?? ''}`.trim()
}
