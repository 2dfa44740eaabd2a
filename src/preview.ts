import type { Settings } from './config.js'
import type { Address, NewMessage, Ticket } from './gorgias/types.js'
import type { ActionDecision } from './policy/types.js'
import { composeMessage, type MessageKind } from './sweep/writes.js'
import { cut, escapeMarkdown, markdownText, oneLine, plural, terminalCell } from './text.js'

/**
 * The exact words before anything is sent: the message a decision would send, composed by the
 * functions the write steps send with (sweep/writes.ts), and a dry run's messages in the report,
 * one of each kind and language, as one of the tickets concerned would get it. Pure.
 */

/** One message as the customer would get it; `subject` is null off email. */
interface MessageText {
  to: string
  /** the support address it goes out from, or how the channel picks one */
  from: string
  subject: string | null
  body: string
}

export interface MessagePreview {
  kind: MessageKind
  /** follow-ups: which reminder of how many */
  reminder: number | null
  reminders: number | null
  language: string
  exact: MessageText
  /** composed with stand-ins for the customer's values, for summary-customer-details: false */
  neutral: MessageText
  /** where the text comes from (a macro, say) */
  source?: string
}

const STAND_IN = { firstName: '[first name]', subject: '[subject]', address: '[customer address]' }

/** The message this decision would send, or null (a close without a message). */
export function previewMessage(
  settings: Pick<Settings, 'email' | 'messages' | 'followUpHours'>,
  ticket: Ticket,
  d: ActionDecision
): MessagePreview | null {
  const compose = (t: Ticket, decision: ActionDecision) => composeMessage(settings, t, decision)
  const exact = compose(ticket, d)
  if (exact === null) return null
  // The ticket and the route with the customer's values replaced by what they stand for.
  const customer = typeof ticket.customer === 'object' && ticket.customer ? ticket.customer : null
  const neutral = compose(
    {
      ...ticket,
      subject: STAND_IN.subject,
      customer: {
        id: customer?.id ?? 0,
        email: STAND_IN.address,
        firstname: STAND_IN.firstName,
        lastname: null,
        name: null
      }
    },
    {
      ...d,
      route: {
        ...d.route,
        subject: d.route.subject === null ? null : STAND_IN.subject,
        customer: { address: STAND_IN.address, receiver: { email: STAND_IN.address } }
      }
    }
  )
  const followUp = d.kind === 'follow-up'
  return {
    kind: exact.kind,
    reminder: followUp ? d.reminder : null,
    reminders: followUp ? d.reminders : null,
    language: exact.language,
    exact: textOf(exact.body),
    neutral: textOf(neutral!.body),
    source: exact.source
  }
}

function textOf(body: NewMessage): MessageText {
  const address = (a: Address): string => (a.name ? `${a.name} <${a.address}>` : a.address)
  return {
    to: (body.source.to ?? []).map(address).join(', '),
    from: body.source.from ? address(body.source.from) : "(the channel's own sender)",
    subject: body.subject ?? null,
    body: body.body_text
  }
}

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

/** The headers shown above the body: name, text, and how much of it the summary shows. */
function headers(p: MessagePreview, m: MessageText): Array<[string, string, number]> {
  return [
    ['To', m.to, 200],
    ['From', m.from, 200],
    ...(m.subject === null ? [] : [['Subject', m.subject, 300] as [string, string, number]]),
    ...(p.source ? [['Text from', p.source, 200] as [string, string, number]] : [])
  ]
}

/** The message for the job summary: headers, then the body quoted, customer text escaped. */
export function messageMarkdown(p: MessagePreview, details: boolean): string[] {
  const m = details ? p.exact : p.neutral
  return [
    ...headers(p, m).map(([name, text, max]) => `${name}: ${markdownText(text, max)}  `),
    '',
    ...m.body.split('\n').map(line => {
      const text = oneLine(line)
      return text === '' ? '>' : `> ${escapeMarkdown(cut(text, 2000))}`
    }),
    ''
  ]
}

/** The message for a terminal, indented: no control character from the data gets through. */
export function messageTerminal(p: MessagePreview, details: boolean, indent = '    '): string[] {
  const m = details ? p.exact : p.neutral
  return [
    ...headers(p, m).map(([name, text]) => `${indent}${name}: ${terminalCell(text)}`),
    `${indent}|`,
    ...m.body.split('\n').map(line => `${indent}| ${terminalCell(line)}`.trimEnd())
  ]
}

type PreviewSettings = Pick<Settings, 'summaryCustomerDetails' | 'messagesFile'>
/** What the previews read of a report (not its type: sweep/types.ts imports this module). */
type Planned = {
  actions: ReadonlyArray<{
    ticketId: number
    action: string
    result: string
    message?: MessagePreview
  }>
}

/**
 * A dry run's messages, one per kind, language and source in the sweep's order, titled with how
 * many tickets would get it; last, untitled, the closes planned without a message.
 */
function messageGroups(
  report: Planned,
  settings: PreviewSettings,
  link: (id: number) => string,
  shown: (text: string, max: number) => string
): Array<[title: string, preview: MessagePreview | null]> {
  const groups = new Map<string, { preview: MessagePreview; ticketId: number; tickets: number }>()
  let silent = 0
  for (const { message: preview, ticketId, action, result } of report.actions) {
    if (preview) {
      const key = JSON.stringify([messageLabel(preview), preview.language, preview.source ?? ''])
      if (!groups.has(key)) groups.set(key, { preview, ticketId, tickets: 0 })
      groups.get(key)!.tickets++
    } else if (action === 'close' && result === 'would-do') silent++
  }
  const titled = [...groups.values()].map(({ preview, ticketId, tickets }) => {
    const label = messageLabel(preview)
    const language = settings.messagesFile === null ? '' : `, ${shown(preview.language, 20)}`
    const title = `${label.charAt(0).toUpperCase()}${label.slice(1)}${language}: ${plural(tickets, 'ticket', 'tickets')} (as ${link(ticketId)} would get it)`
    return [title, preview] as [string, MessagePreview | null]
  })
  if (silent === 0) return titled
  const none = `${plural(silent, 'ticket', 'tickets')} would be closed without a message (no close message is set).`
  return [...titled, [none, null]]
}

/** The job summary's section; nothing when no message would be sent. */
export function previewsMarkdown(
  report: Planned,
  settings: PreviewSettings,
  link: (id: number) => string
): string[] {
  const groups = messageGroups(report, settings, link, markdownText)
  if (groups.length === 0) return []
  const details = settings.summaryCustomerDetails
  return [
    '### The messages that would be sent',
    '',
    details
      ? 'Each kind of message, in each language, as one of the tickets concerned would get it.'
      : "Each kind of message, in each language, with stand-ins for the customer's values (summary-customer-details is false).",
    '',
    ...groups.flatMap(([title, p]) =>
      p ? [`#### ${title}`, '', ...messageMarkdown(p, details)] : [title, '']
    )
  ]
}

/** The same for a terminal. */
export function previewsTerminal(report: Planned, settings: PreviewSettings): string[] {
  const groups = messageGroups(report, settings, id => `#${id}`, terminalCell)
  if (groups.length === 0) return []
  const lines = ['', 'The messages that would be sent (one of each kind and language):']
  for (const [title, p] of groups) {
    lines.push(`  ${title}`, ...(p ? messageTerminal(p, settings.summaryCustomerDetails) : []))
  }
  return [...lines, '']
}
