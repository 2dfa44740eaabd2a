import { UnreadableThreadError } from './errors.js'

/**
 * Messages a ticket's list may bring past its `messages_count` (messages that arrived since the
 * retrieve): one more page. A list that runs on further is not this ticket's thread.
 */
const MESSAGES_MARGIN = 100
/** When the ticket gives no `messages_count`, no thread is longer than this. */
const MAX_THREAD = 5_000

/**
 * A thread is the ticket's own: every message must name it (`ticket_id`), or another ticket's
 * agent reply could start this ticket's cycle. Items that are not objects are left to the policy,
 * which finds them unreadable.
 */
export function checkOwnMessages(
  messages: readonly unknown[],
  ticketId: number,
  where: string
): void {
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue
    const owner = (m as { ticket_id?: unknown }).ticket_id
    if (owner === ticketId) continue
    const shown = owner === undefined ? 'no ticket_id' : `ticket_id ${JSON.stringify(owner)}`
    throw new UnreadableThreadError(
      `${where} answered a message with ${shown.slice(0, 40)} for ticket ${ticketId}: its thread cannot be trusted`,
      {
        method: 'GET',
        path: where.replace(/^GET /, ''),
        kind: where.includes('messages') ? 'list-messages' : 'get-ticket'
      }
    )
  }
}

/** A messages list that runs on far past `messages_count` is not the ticket's thread: paging ends. */
export function checkThreadLength(
  listed: number,
  messagesCount: number | null,
  ticketId: number
): void {
  const most = messagesCount === null ? MAX_THREAD : messagesCount + MESSAGES_MARGIN
  if (listed <= most) return
  throw new UnreadableThreadError(
    `GET /messages?ticket_id=${ticketId} kept listing messages: ${listed} so far for a ticket whose messages_count is ${messagesCount ?? 'not given'}; the thread cannot be trusted`,
    { method: 'GET', path: '/messages', kind: 'list-messages' }
  )
}
