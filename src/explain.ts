import type { Settings } from './config.js'
import type { Message, Ticket } from './gorgias/types.js'

/** PLACEHOLDER: replaced by the explain module (pure reasoning of one ticket's decision). */
export interface Explanation {
  ticketId: number
}

export function explainTicket(
  ticket: Ticket,
  _messages: Message[],
  _settings: Settings,
  _now: Date
): Explanation {
  return { ticketId: ticket.id }
}
