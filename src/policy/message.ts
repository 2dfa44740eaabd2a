import type { Message } from '../gorgias/types.js'
import { parseTime } from './time.js'

/** One message as the policy reads it: can it be read, is it public, when does it count from. */

/**
 * When a message reached (or was meant to reach) the customer: the age of a reply counts from
 * here. A `sent_datetime` that is present but not a date makes the message unreadable.
 */
export function messageTime(m: Message): Date | undefined {
  const sent = parseTime(m.sent_datetime)
  if (sent === undefined) return undefined
  return sent ?? parseTime(m.created_datetime) ?? undefined
}

/**
 * Readable: an id, a sender side (`from_agent`), a time (sent or created), and every timestamp it
 * carries a date.
 */
export function isReadableMessage(m: Message): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(m.id) &&
    typeof m.from_agent === 'boolean' &&
    parseTime(m.created_datetime) !== undefined &&
    messageTime(m) !== undefined &&
    parseTime(m.failed_datetime) !== undefined
  )
}

/** Public: sent to the customer, not an internal note for agents only. */
export function isPublic(m: Message): boolean {
  return m.public !== false && m.channel !== 'internal-note'
}
