import type { Settings } from './config.js'
import type { Address, NewMessage, Ticket } from './gorgias/types.js'
import type { MessageTemplates } from './messages.js'
import type { Route } from './policy.js'
import { cut, oneLine } from './text.js'

/** The text of this action's messages and the request bodies that send them. Pure. */

const line = (value: unknown): string => (typeof value === 'string' ? oneLine(value) : '')

/**
 * Customer text that goes into what this action sends (a greeting, a subject line): one line, no
 * control or bidirectional character, of a sane length. A name with line breaks cannot add
 * paragraphs to the email, nor a subject a header line.
 */
const FIRST_NAME_MAX = 60
const SUBJECT_MAX = 200

/** Total over whatever the API sent: this also names tickets in reports, unreadable ones included. */
export function customerFirstName(ticket: Ticket): string {
  const customer = typeof ticket?.customer === 'object' ? ticket.customer : null
  const first = line(customer?.firstname)
  if (first) return cut(first, FIRST_NAME_MAX)
  const fromName = line(customer?.name).split(' ')[0]
  return fromName ? cut(fromName, FIRST_NAME_MAX) : 'there'
}

export interface TemplateValues {
  first_name: string
  ticket_id: string
  subject: string
  reminder_number: string
  reminders_total: string
}

export function renderTemplate(template: string, values: TemplateValues): string {
  // config.ts refuses unknown placeholders, so every match here has a value.
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) =>
    name in values ? values[name as keyof TemplateValues] : whole
  )
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function toHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map(p => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('')
}

/**
 * A message along the route the policy chose (see Route in policy/route.ts): the agent's channel,
 * support address and integration, to the ticket's customer alone. Nothing is copied from the
 * agent's recipients, and there is never a cc or bcc: a carrier or a colleague the agent wrote to
 * must not get the customer's reminder.
 */
export function replyAlong(
  route: Route,
  ticket: Ticket,
  settings: Pick<Settings, 'email'>,
  text: string,
  marker: string
): NewMessage {
  const body: NewMessage = {
    channel: route.channel,
    via: 'api',
    from_agent: true,
    public: true,
    sender: { email: settings.email },
    receiver: { ...route.customer.receiver },
    source: {
      type: route.sourceType,
      ...(route.from ? { from: address(route.from) } : {}),
      to: [{ address: route.customer.address }]
    },
    body_text: text,
    body_html: toHtml(text),
    external_id: marker
  }
  if (route.integrationId !== null) body.integration_id = route.integrationId
  const subject = cut(line(route.subject ?? ticket.subject), SUBJECT_MAX)
  if (subject && route.channel === 'email') {
    body.subject = /^re:/i.test(subject) ? subject : `Re: ${subject}`
  }
  return body
}

const address = (a: Address): Address =>
  a.name ? { name: a.name, address: a.address } : { address: a.address }

export function templateValues(
  ticket: Ticket,
  reminder: number,
  reminders: number
): TemplateValues {
  return {
    first_name: customerFirstName(ticket),
    ticket_id: String(ticket.id),
    subject: cut(line(ticket.subject), SUBJECT_MAX) || 'your request',
    reminder_number: String(reminder),
    reminders_total: String(reminders)
  }
}

/**
 * The follow-up for reminder `reminder` of `reminders`, in the ticket's language: `templates` are
 * what templatesFor(settings.messages, ticket.language) chose. The last of several reminders uses
 * `finalFollowUp` when there is one.
 */
export function followUpBody(
  ticket: Ticket,
  route: Route,
  reminder: number,
  reminders: number,
  marker: string,
  settings: Pick<Settings, 'email'>,
  templates: MessageTemplates
): NewMessage {
  const template =
    reminders > 1 && reminder === reminders && templates.finalFollowUp
      ? templates.finalFollowUp
      : templates.followUp
  const text = renderTemplate(template, templateValues(ticket, reminder, reminders))
  return replyAlong(route, ticket, settings, text, marker)
}

/**
 * The close message, in the ticket's language. Only called when `templates.close` is not empty:
 * an empty one means closing without a message.
 */
export function closeBody(
  ticket: Ticket,
  route: Route,
  reminders: number,
  marker: string,
  settings: Pick<Settings, 'email'>,
  templates: MessageTemplates
): NewMessage {
  const text = renderTemplate(templates.close, templateValues(ticket, reminders, reminders))
  return replyAlong(route, ticket, settings, text, marker)
}
