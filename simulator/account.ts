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
