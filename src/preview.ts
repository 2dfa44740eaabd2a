import type { Settings } from './config.js'
import type { Address, NewMessage, Ticket } from './gorgias/types.js'
import type { ActionDecision } from './policy/types.js'
import { closeMessage, followUpMessage, type MessageKind } from './sweep/writes.js'
import { cut, escapeMarkdown, markdownText, oneLine, terminalCell } from './text.js'

/**
 * The exact words before anything is sent: the message a follow-up or close decision would send,
 * composed by the same functions the write steps send with (see sweep/writes.ts). Pure.
 */

/** One message as the customer would get it. */
interface MessageText {
  /** the one recipient: the ticket's customer */
  to: string
  /** the support address it goes out from, or how the channel picks one */
  from: string
  /** email only; null on other channels */
  subject: string | null
  body: string
}

export interface MessagePreview {
  kind: MessageKind
  /** follow-ups: which reminder of how many */
  reminder: number | null
  reminders: number | null
  /** the language whose texts are used */
  language: string
  /** exactly what would be sent */
  exact: MessageText
  /**
   * the same message composed with stand-ins for the customer's values (name, subject, address),
   * for where customer details may not be shown (summary-customer-details: false)
   */
  neutral: MessageText
  /** where the text comes from, shown next to it when set (a macro, say) */
  source?: string
}

const STAND_IN = {
  firstName: '[first name]',
  subject: '[subject]',
  address: '[customer address]'
}

/** The message this decision would send, or null (a close without a message). */
export function previewMessage(
  settings: Pick<Settings, 'email' | 'messages' | 'followUpHours'>,
  ticket: Ticket,
  d: ActionDecision
): MessagePreview | null {
  const compose = (t: Ticket, decision: ActionDecision) =>
    decision.kind === 'follow-up'
      ? followUpMessage(settings, t, decision)
      : closeMessage(settings, t, decision)
  const exact = compose(ticket, d)
  if (exact === null) return null
  const neutral = compose(neutralTicket(ticket), neutralDecision(d))
  return {
    kind: exact.kind,
    reminder: d.kind === 'follow-up' ? d.reminder : null,
    reminders: d.kind === 'follow-up' ? d.reminders : null,
    language: exact.language,
    exact: textOf(exact.body),
    neutral: textOf(neutral!.body),
    source: exact.source
  }
}

/** The ticket with its customer's values replaced by what they stand for. */
function neutralTicket(ticket: Ticket): Ticket {
  const customer = typeof ticket.customer === 'object' && ticket.customer ? ticket.customer : null
  return {
    ...ticket,
    subject: STAND_IN.subject,
    customer: {
      id: customer?.id ?? 0,
      email: STAND_IN.address,
      firstname: STAND_IN.firstName,
      lastname: null,
      name: null
    }
  }
}

function neutralDecision(d: ActionDecision): ActionDecision {
  const route = {
    ...d.route,
    subject: d.route.subject === null ? null : STAND_IN.subject,
    customer: { address: STAND_IN.address, receiver: { email: STAND_IN.address } }
  }
  return { ...d, route }
}

function textOf(body: NewMessage): MessageText {
  const from = body.source.from ? addressText(body.source.from) : "(the channel's own sender)"
  return {
    to: (body.source.to ?? []).map(addressText).join(', '),
    from,
    subject: body.subject ?? null,
    body: body.body_text
  }
}

const addressText = (a: Address): string => (a.name ? `${a.name} <${a.address}>` : a.address)

/** Which message, in words: "follow-up 1 of 2", "final follow-up (2 of 2)", "close message". */
export function messageLabel(p: Pick<MessagePreview, 'kind' | 'reminder' | 'reminders'>): string {
  const of = p.reminders !== null && p.reminders > 1 ? ` ${p.reminder} of ${p.reminders}` : ''
  switch (p.kind) {
    case 'follow-up':
      return `follow-up${of}`
    case 'final-follow-up':
      return `final follow-up (${p.reminder} of ${p.reminders})`
    case 'close-message':
      return 'close message'
  }
}

/** The message for the job summary: headers, then the body quoted, customer text escaped. */
export function messageMarkdown(p: MessagePreview, details: boolean): string[] {
  const m = details ? p.exact : p.neutral
  const lines = [
    `To: ${markdownText(m.to, 200)}  `,
    `From: ${markdownText(m.from, 200)}  `,
    ...(m.subject === null ? [] : [`Subject: ${markdownText(m.subject, 300)}  `]),
    ...(p.source ? [`Text from: ${markdownText(p.source, 200)}  `] : []),
    ''
  ]
  for (const line of m.body.split('\n')) {
    const text = oneLine(line)
    lines.push(text === '' ? '>' : `> ${escapeMarkdown(cut(text, 2000))}`)
  }
  lines.push('')
  return lines
}

/** The message for a terminal, indented: no control character from the data gets through. */
export function messageTerminal(p: MessagePreview, details: boolean, indent = '    '): string[] {
  const m = details ? p.exact : p.neutral
  return [
    `${indent}To: ${terminalCell(m.to)}`,
    `${indent}From: ${terminalCell(m.from)}`,
    ...(m.subject === null ? [] : [`${indent}Subject: ${terminalCell(m.subject)}`]),
    ...(p.source ? [`${indent}Text from: ${terminalCell(p.source)}`] : []),
    `${indent}|`,
    ...m.body.split('\n').map(line => `${indent}| ${terminalCell(line)}`.trimEnd())
  ]
}
