/**
 * The simulated Gorgias account: its credentials, users, integrations and channels, and the
 * defaults a message gets on each channel. Plain data and pure functions.
 */
import type { MessageSource, TicketUser } from '../src/gorgias/types.js'

export const DEFAULT_EMAIL = 'agent@acme.test'
export const DEFAULT_API_KEY = 'sim-api-key-0123456789'
export const SUPPORT_ADDRESS = 'support@acme.test'
export const SUPPORT_NAME = 'Acme Store'
export const EMAIL_INTEGRATION_ID = 7
/** The user that owns the API key (the action's follow-ups are sent as this user). */
export const API_USER_ID = 1
/** The API user's names, as `GET /api/users` shows them (its email is the simulator's). */
export const API_USER_NAME = { firstname: 'Alex', lastname: 'Agent' } as const
/** Human agents of the simulated account; the first one is the default sender of agent replies. */
export const AGENTS: ReadonlyArray<{ id: number; email: string; name: string }> = [
  { id: 2, email: 'maria.lopez@acme.test', name: 'Maria Lopez' },
  { id: 3, email: 'sam.taylor@acme.test', name: 'Sam Taylor' },
  { id: 4, email: 'priya.shah@acme.test', name: 'Priya Shah' }
]

export interface Integration {
  id: number
  type: string
  name: string
  /** Sender address on this integration's channel (email address, phone number, page id...). */
  address: string
  /** When the integration was switched off (`GET /api/integrations` shows it); null = active. */
  deactivated_datetime?: string | null
}

export const INTEGRATIONS: readonly Integration[] = [
  { id: EMAIL_INTEGRATION_ID, type: 'email', name: SUPPORT_NAME, address: SUPPORT_ADDRESS },
  { id: 8, type: 'gorgias_chat', name: 'Acme Chat', address: 'chat@acme.test' },
  { id: 9, type: 'sms', name: 'Acme SMS', address: '+15555550100' },
  { id: 10, type: 'facebook', name: 'Acme Store Facebook', address: 'acme.store.page' }
]

/** Per ticket channel: the source type, integration and `via` of messages on it. */
export const CHANNELS: Record<
  string,
  { sourceType: string; integrationId: number | null; via: string }
> = {
  email: { sourceType: 'email', integrationId: EMAIL_INTEGRATION_ID, via: 'email' },
  chat: { sourceType: 'chat', integrationId: 8, via: 'chat' },
  sms: { sourceType: 'sms', integrationId: 9, via: 'sms' },
  facebook: { sourceType: 'facebook-message', integrationId: 10, via: 'facebook' },
  'facebook-messenger': { sourceType: 'facebook-message', integrationId: 10, via: 'facebook' },
  api: { sourceType: 'api', integrationId: null, via: 'api' },
  'internal-note': { sourceType: 'internal-note', integrationId: null, via: 'helpdesk' }
}

/** Message channels the real API accepts (https://developers.gorgias.com/reference/create-ticket-message). */
export const KNOWN_CHANNELS = new Set([
  'aircall',
  'api',
  'chat',
  'contact_form',
  'email',
  'facebook',
  'facebook-mention',
  'facebook-messenger',
  'facebook-recommendations',
  'help-center',
  'instagram-ad-comment',
  'instagram-comment',
  'instagram-direct-message',
  'instagram-mention',
  'internal-note',
  'phone',
  'sms',
  'twitter',
  'twitter-direct-message',
  'whatsapp',
  'yotpo-review'
])

/** Names of generated customers (addTicket without a customer). */
export const FIRSTNAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Sophia', 'Mateo', 'Mia', 'Ethan', 'Chloe',
  'Hugo', 'Léa', 'Jonas', 'Amara', 'Kenji', 'Nadia', 'Omar', 'Ines', 'Zoe', 'Felix', 'Hannah',
  'Diego', 'Aisha', 'Tom', 'Clara', 'Ravi', 'Julia', 'Marco', 'Sofia'
] // prettier-ignore
export const LASTNAMES = [
  'Martin', 'Smith', 'Garcia', 'Müller', 'Dubois', 'Rossi', 'Kowalski', 'Nguyen', 'Brown',
  'Silva', 'Johansson', 'Tanaka', 'Okafor', 'Fischer', 'Moreau', 'Patel', 'Novak', 'Costa',
  'Wilson', 'Haddad', 'Larsen', 'Ivanova', 'Murphy'
] // prettier-ignore

export function isSupportAddress(address: string): boolean {
  const lower = address.trim().toLowerCase()
  return INTEGRATIONS.some(i => i.type === 'email' && i.address.toLowerCase() === lower)
}

/** The `source` Gorgias gives a message on this channel, in this direction. */
export function defaultSource(
  channel: string,
  fromAgent: boolean,
  customer: TicketUser,
  agent: TicketUser
): MessageSource {
  const info = CHANNELS[channel]
  const type = info?.sourceType ?? channel
  if (channel === 'internal-note') {
    return { type, from: { name: agent.name ?? null, address: agent.email ?? '' } }
  }
  const integration = INTEGRATIONS.find(i => i.id === info?.integrationId)
  const company = { name: integration?.name ?? SUPPORT_NAME, address: integration?.address ?? SUPPORT_ADDRESS } // prettier-ignore
  const customerAddress =
    channel === 'sms'
      ? `+1555${String(customer.id).padStart(7, '0')}`
      : channel === 'facebook' || channel === 'facebook-messenger'
        ? `fb-${customer.id}`
        : (customer.email ?? `customer-${customer.id}@example.com`)
  const person = { name: customer.name ?? null, address: customerAddress }
  return fromAgent ? { type, from: company, to: [person] } : { type, from: person, to: [company] }
}

/** The API user's names (the shared contract: id 1, agent@acme.test, Alex Agent). */
export const API_USER = { id: API_USER_ID, firstname: 'Alex', lastname: 'Agent' } as const

/**
 * The account's business hours as `GET /api/account` shows them (a setting of type
 * `business-hours`): weekdays 1 (Monday) to 7, times "HH:MM", an IANA time zone.
 */
export const BUSINESS_HOURS_SETTING = {
  id: 1,
  type: 'business-hours',
  data: {
    timezone: 'Europe/Paris',
    business_hours: [{ days: '1,2,3,4,5', from_time: '09:00', to_time: '17:00' }]
  }
}

const response = (bodyText: string, bodyHtml: string) => ({
  name: 'setResponseText',
  type: 'user',
  title: 'Add response text',
  arguments: { body_text: bodyText, body_html: bodyHtml }
})

/**
 * The account's macros: a follow-up in English and French (same name, as Gorgias keeps
 * translations), one using integration data this action cannot fill, and an archived one.
 */
export const MACROS: ReadonlyArray<Record<string, unknown> & { id: number; name: string }> = [
  {
    id: 12,
    name: 'Follow-up',
    language: 'en',
    intent: 'other/no_reply',
    archived_datetime: null,
    created_datetime: '2025-03-01T10:00:00+00:00',
    actions: [
      response(
        'Hi {{ticket.customer.firstname | default: "there"}},\n\nJust checking in on "{{ticket.subject}}": did our last reply help? If you still need anything, simply reply to this email.\n\n{{current_user.firstname}}, Acme Store support',
        '<p>Hi {{ticket.customer.firstname | default: "there"}},</p><p>Just checking in on "{{ticket.subject}}": did our last reply help? If you still need anything, simply reply to this email.</p><p>{{current_user.firstname}}, Acme Store support</p>'
      ),
      { name: 'addTags', type: 'user', title: 'Add tags', arguments: { tags: 'follow-up' } },
      { name: 'setStatus', type: 'user', title: 'Set status', arguments: { status: 'closed' } }
    ]
  },
  {
    id: 13,
    name: 'Follow-up',
    language: 'fr',
    intent: 'other/no_reply',
    archived_datetime: null,
    created_datetime: '2025-03-02T10:00:00+00:00',
    actions: [
      response(
        'Bonjour {{ticket.customer.firstname | default: "à vous"}},\n\nNous revenons vers vous au sujet de « {{ticket.subject}} » : notre dernière réponse vous a-t-elle aidé ? Si besoin, répondez simplement à cet e-mail.\n\n{{current_user.firstname}}, service client Acme Store',
        '<p>Bonjour {{ticket.customer.firstname | default: "à vous"}},</p><p>Nous revenons vers vous au sujet de « {{ticket.subject}} » : notre dernière réponse vous a-t-elle aidé ? Si besoin, répondez simplement à cet e-mail.</p><p>{{current_user.firstname}}, service client Acme Store</p>'
      ),
      { name: 'addTags', type: 'user', title: 'Add tags', arguments: { tags: 'follow-up' } }
    ]
  },
  {
    id: 14,
    name: 'Order status',
    language: 'en',
    intent: 'order/status',
    archived_datetime: null,
    created_datetime: '2025-03-03T10:00:00+00:00',
    actions: [
      response(
        'Hi {{ticket.customer.firstname}}, your order {{ticket.customer.integrations.shopify.orders[0].name}} is on its way.',
        '<p>Hi {{ticket.customer.firstname}}, your order {{ticket.customer.integrations.shopify.orders[0].name}} is on its way.</p>'
      )
    ]
  },
  {
    id: 15,
    name: 'Old follow-up',
    language: 'en',
    intent: 'other/no_reply',
    archived_datetime: '2025-06-01T10:00:00+00:00',
    created_datetime: '2024-01-01T10:00:00+00:00',
    actions: [response('Any news?', '<p>Any news?</p>')]
  }
]
