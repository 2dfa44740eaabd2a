import type { Settings } from './config.js'
import type { Address, NewMessage, Ticket, TicketUser, User } from './gorgias/types.js'
import type { MessageTemplates, TemplateKind } from './messages.js'
import type { Route } from './policy/types.js'
import { cut, oneLine } from './text.js'
import { escapeHtml, renderTemplate, type Person, type TemplateValues } from './variables.js'

/**
 * The text of this action's messages and the request bodies that send them. Pure. Customer text
 * put in them (a greeting, a subject) is one line of sane length, without control or bidirectional
 * characters: a name cannot add paragraphs to the email, nor a subject a header line.
 */

const line = (value: unknown): string => (typeof value === 'string' ? oneLine(value) : '')

const FIRST_NAME_MAX = 60
const NAME_MAX = 120
const EMAIL_MAX = 254
const SUBJECT_MAX = 200

/** Total over whatever the API sent: this also names tickets in reports, unreadable ones included. */
export function customerFirstName(ticket: Ticket): string {
  const customer = typeof ticket?.customer === 'object' ? ticket.customer : null
  const first = line(customer?.firstname) || line(customer?.name).split(' ')[0]
  return first ? cut(first, FIRST_NAME_MAX) : 'there'
}

/**
 * A message along the route the policy chose (see Route in policy/types.ts): the agent's channel,
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
  const address = (a: Address): Address =>
    a.name ? { name: a.name, address: a.address } : { address: a.address }
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
    body_html: text
      .split(/\n{2,}/)
      .map(p => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
      .join(''),
    external_id: marker
  }
  if (route.integrationId !== null) body.integration_id = route.integrationId
  const subject = cut(line(route.subject ?? ticket.subject), SUBJECT_MAX)
  if (subject && route.channel.toLowerCase() === 'email') {
    body.subject = /^re:/i.test(subject) ? subject : `Re: ${subject}`
  }
  return body
}

/**
 * A person's names as Gorgias's variables give them: firstname falls back to the first word of
 * name, name to firstname and lastname; empty when unknown (a default filter can say more).
 */
function person(user: TicketUser | User | null | undefined): Person {
  const u = typeof user === 'object' && user !== null ? user : null
  const name = line(u?.name)
  const first = line(u?.firstname) || name.split(' ')[0] || ''
  const last = line(u?.lastname)
  return {
    firstname: cut(first, FIRST_NAME_MAX),
    lastname: cut(last, FIRST_NAME_MAX),
    name: cut(name || [first, last].filter(Boolean).join(' '), NAME_MAX),
    email: cut(line(u?.email), EMAIL_MAX)
  }
}

/** The values of every variable for this ticket. */
export function templateValues(
  ticket: Ticket,
  reminder: number,
  reminders: number,
  currentUser: User | null = null
): TemplateValues {
  const values: Record<string, string> = {
    first_name: customerFirstName(ticket),
    ticket_id: String(ticket.id),
    subject: cut(line(ticket.subject), SUBJECT_MAX) || 'your request',
    reminder_number: String(reminder),
    reminders_total: String(reminders),
    'ticket.subject': cut(line(ticket.subject), SUBJECT_MAX),
    'ticket.id': String(ticket.id),
    'ticket.channel': line(ticket.channel)
  }
  const people = {
    'ticket.customer': ticket?.customer,
    'ticket.assignee_user': ticket?.assignee_user,
    current_user: currentUser
  }
  for (const [prefix, user] of Object.entries(people)) {
    for (const [field, value] of Object.entries(person(user))) values[`${prefix}.${field}`] = value
  }
  return values
}

/** A message to send and where its text comes from, e.g. `macro "Follow-up" (#12, fr)`. */
export interface ComposedMessage {
  body: NewMessage
  source: string
}

/** The template a follow-up uses: the last of several reminders has its own when there is one. */
export function followUpKind(
  templates: MessageTemplates,
  reminder: number,
  reminders: number
): TemplateKind {
  return reminders > 1 && reminder === reminders && templates.finalFollowUp
    ? 'finalFollowUp'
    : 'followUp'
}

/**
 * The follow-up for reminder `reminder` of `reminders`, from the templates of the ticket's
 * language (templatesFor). `currentUser`: the API user, for `{{current_user.*}}`.
 */
export function composeFollowUp(
  ticket: Ticket,
  route: Route,
  reminder: number,
  reminders: number,
  marker: string,
  settings: Pick<Settings, 'email'>,
  templates: MessageTemplates,
  currentUser: User | null = null,
  kind: TemplateKind = followUpKind(templates, reminder, reminders)
): ComposedMessage {
  const values = templateValues(ticket, reminder, reminders, currentUser)
  const body = replyAlong(route, ticket, settings, renderTemplate(templates[kind], values), marker)
  const html = templates.html?.[kind]
  if (html !== undefined) body.body_html = renderTemplate(html, values, true)
  return { body, source: templates.sources?.[kind] ?? kind }
}

/** The close message (values as for the last reminder); only called when `templates.close` is set. */
export function composeClose(
  ticket: Ticket,
  route: Route,
  reminders: number,
  marker: string,
  settings: Pick<Settings, 'email'>,
  templates: MessageTemplates,
  currentUser: User | null = null
): ComposedMessage {
  const closing = [settings, templates, currentUser, 'close'] as const
  return composeFollowUp(ticket, route, reminders, reminders, marker, ...closing)
}
