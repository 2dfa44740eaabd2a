import type { Address, Message, Ticket } from '../gorgias/types.js'
import { stop, type Deciding, type Decision, type Route } from './types.js'

/** How this action's messages go out (Route in types.ts). */

const isAddress = (a: unknown): a is Address =>
  typeof a === 'object' &&
  a !== null &&
  typeof (a as Address).address === 'string' &&
  (a as Address).address !== ''

/** Two addresses of the same mailbox or handle: any case, spaces around left out. */
export const sameAddress = (a: string, b: string): boolean =>
  a.trim().toLowerCase() === b.trim().toLowerCase()

/** Where the agent's reply went out from, without its recipients: they are not ours to copy. */
type Channel = Omit<Route, 'customer'>

/**
 * The channel, support address and integration of the agent's reply or, when it has no usable
 * source, of the customer's last message (answered back the way it came); null when neither works.
 */
function replyChannel(
  email: string | null,
  reply: Message,
  customerMessage: Message | null
): Channel | null {
  const usable = (channel: unknown, type: unknown, from: unknown, to: unknown[]): boolean =>
    typeof channel === 'string' &&
    typeof type === 'string' &&
    to.length > 0 &&
    to.every(isAddress) &&
    (channel.toLowerCase() !== 'email' || isAddress(from))
  const channelOf = (m: Message, from: Address | null, withSubject: boolean): Channel => ({
    channel: m.channel,
    sourceType: m.source!.type,
    from,
    integrationId: typeof m.integration_id === 'number' ? m.integration_id : null,
    subject:
      withSubject && typeof m.subject === 'string' && m.subject.trim() !== '' ? m.subject : null
  })
  const source = reply.source
  const agentTo = Array.isArray(source?.to) ? source.to : []
  if (source && usable(reply.channel, source.type, source.from, agentTo)) {
    // A reply to someone else (a carrier, a supplier) has their subject, not the customer's.
    const toCustomer = email !== null && agentTo.some(a => sameAddress(a.address, email))
    return channelOf(reply, isAddress(source.from) ? source.from : null, toCustomer)
  }
  const back = customerMessage?.source
  if (!customerMessage || !back) return null
  const to = isAddress(back.from) ? [back.from] : []
  // The support address the customer wrote to: the only one, or the one the agent's reply left
  // from. Another recipient (a colleague of the customer's) must never be the sender, and the
  // display name the customer gave it is not ours to send under.
  const wroteTo = Array.isArray(back.to) ? back.to.filter(isAddress) : []
  const agentFrom = isAddress(source?.from) ? source.from.address : null
  const support =
    wroteTo.length === 1
      ? wroteTo[0]!
      : wroteTo.find(a => agentFrom !== null && sameAddress(a.address, agentFrom))
  const from = support ? { address: support.address } : null
  return usable(customerMessage.channel, back.type, from, to)
    ? channelOf(customerMessage, from, true)
    : null
}

/**
 * One email address, nothing else: a list ("a@x, b@y"), a display name, spaces or invisible
 * controls would send this action's mail to someone else, or nowhere. o'brien@... is fine.
 */
const ONE_EMAIL =
  /^[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+@[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+\.[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+$/u
/** No mailbox is longer (RFC 5321); the length is checked first: the pattern is quadratic. */
const MAX_EMAIL = 254

type Customer = { id: number | null; email: string | null }

/** The ticket's customer as this action may address them: a positive id, one single email. */
function customerOf(ticket: Ticket): Customer {
  const { id, email } = ticket.customer ?? {}
  const trimmed = typeof email === 'string' ? email.trim() : ''
  return {
    id: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null,
    email: trimmed.length <= MAX_EMAIL && ONE_EMAIL.test(trimmed) ? trimmed : null
  }
}

/** Whether a message was written by the ticket's customer (by id, else by email). */
function sentBy(m: Message, { id, email }: Customer): boolean {
  const sender = m.sender
  if (id !== null && typeof sender?.id === 'number') return sender.id === id
  return email !== null && typeof sender?.email === 'string' && sameAddress(sender.email, email)
}

/** A chat or sms address as a message's source gives it: one token, no spaces or controls. */
const ONE_HANDLE = /^[^\s,;<>\p{Cc}\p{Cf}]+$/u

/**
 * The ticket's customer as the recipient on `channel`, or why there is none. Email goes to
 * `ticket.customer.email` only; chat and sms to where the customer's own last message came from.
 */
function customerRecipient(
  customer: Customer,
  channel: string,
  thread: readonly Message[]
): Route['customer'] | string {
  const { id, email } = customer
  const receiver = id !== null ? { id } : email !== null ? { email } : null
  if (receiver === null) return 'the customer has neither an id nor a usable email address'
  // Compared in any case, as `channels` is: an "Email" channel is email, and goes to the email.
  const kind = channel.toLowerCase()
  if (kind === 'email') {
    return email !== null
      ? { address: email, receiver }
      : 'the customer has no usable email address (none, or not one single address)'
  }
  const own = thread.findLast(
    m => !m.from_agent && String(m.channel).toLowerCase() === kind && sentBy(m, customer)
  )
  const address = own?.source?.from?.address
  if (typeof address !== 'string' || !ONE_HANDLE.test(address.trim())) {
    return `no ${channel} message from the customer to answer`
  }
  return { address: address.trim(), receiver }
}

/**
 * The route for the cycle that starts at `thread[start]` (the agent's reply in the public thread):
 * on one of `channels`, to the ticket's customer. Each check is noted; without a route, the skip.
 */
export function replyRoute(
  d: Deciding,
  thread: readonly Message[],
  start: number
): Route | Decision {
  const customer = customerOf(d.ticket)
  const reply = thread[start]!
  const lastFromCustomer = thread.slice(0, start).findLast(m => !m.from_agent) ?? null
  const channel = replyChannel(customer.email, reply, lastFromCustomer)
  if (!channel || !d.s.channels.includes(channel.channel.toLowerCase())) {
    const why = channel
      ? `a reply would go by ${channel.channel}`
      : `no route back to the customer this action can use (the agent replied by ${String(reply.channel)})`
    return stop(d, 'route', why, 'channel-not-handled', why)
  }
  d.note(
    'route',
    true,
    `by ${channel.channel}${channel.from ? ` from ${channel.from.address}` : ''}${channel.integrationId !== null ? `, integration ${channel.integrationId}` : ''}`
  )
  const found = customerRecipient(customer, channel.channel, thread)
  // A thread forwarded in from our own mailbox makes it the "customer": never mail ourselves.
  const ownAddress = (address: string): boolean =>
    [channel.from?.address, d.s.email].some(a => typeof a === 'string' && sameAddress(a, address))
  const recipient =
    typeof found !== 'string' && ownAddress(found.address)
      ? "the ticket's customer is this account's own address (the support address or the API user)"
      : found
  if (typeof recipient === 'string') {
    return stop(d, 'customer-address', recipient, 'no-customer-address', recipient)
  }
  d.note(
    'customer-address',
    true,
    "to the ticket's customer, and no one else",
    `to the ticket's customer at ${recipient.address}, and no one else`
  )
  return { ...channel, customer: recipient }
}
