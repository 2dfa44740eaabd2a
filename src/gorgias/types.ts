/**
 * Gorgias REST API shapes, as documented (https://developers.gorgias.com/reference). Only the
 * fields this project reads are typed; unknown fields pass through untouched. Optional or nullable
 * where the docs allow it: readers must cope (see the `unreadable` skip in policy/).
 */

export interface Tag {
  id: number
  name: string
}

/** An agent of the account (`GET /api/users`); the API user is the one that owns the key. */
export interface User extends TicketUser {
  email: string
  role?: unknown
  active?: boolean
}

/** `GET /api/integrations`: an email integration's `meta.address` is what customers see. */
export interface Integration {
  id: number
  type: string
  name?: string | null
  meta?: { address?: unknown } & Record<string, unknown>
  deactivated_datetime?: string | null
}

export interface TicketUser {
  id: number
  email?: string | null
  name?: string | null
  firstname?: string | null
  lastname?: string | null
}

export interface Ticket {
  id: number
  status: string
  channel: string
  via?: string | null
  subject?: string | null
  spam?: boolean | null
  customer?: TicketUser | null
  assignee_user?: TicketUser | null
  assignee_team?: { id: number; name?: string } | null
  tags?: Tag[] | null
  language?: string | null
  created_datetime?: string | null
  opened_datetime?: string | null
  updated_datetime?: string | null
  last_message_datetime?: string | null
  last_received_message_datetime?: string | null
  closed_datetime?: string | null
  snooze_datetime?: string | null
  trashed_datetime?: string | null
  messages_count?: number | null
  external_id?: string | null
  meta?: Record<string, unknown> | null
}

export interface Address {
  name?: string | null
  address: string
}

export interface MessageSource {
  type: string
  from?: Address | null
  to?: Address[] | null
  cc?: Address[] | null
  bcc?: Address[] | null
}

export interface Message {
  id: number
  ticket_id: number
  channel: string
  via?: string | null
  from_agent: boolean
  /** false for internal notes */
  public?: boolean | null
  source?: MessageSource | null
  sender?: TicketUser | null
  receiver?: TicketUser | null
  integration_id?: number | null
  subject?: string | null
  body_text?: string | null
  body_html?: string | null
  stripped_text?: string | null
  created_datetime: string
  sent_datetime?: string | null
  failed_datetime?: string | null
  /** Free for foreign systems; this project marks its own messages here (policy/thread.ts). */
  external_id?: string | null
}

/** Body of POST /api/tickets/{id}/messages for an outgoing reply. */
export interface NewMessage {
  channel: string
  via: 'api'
  from_agent: true
  public?: true
  sender: { id?: number; email?: string }
  receiver: { id?: number; email?: string }
  source: MessageSource
  integration_id?: number
  subject?: string
  body_text: string
  body_html: string
  external_id: string
}

/** Envelope of every cursor-paginated list endpoint. */
export interface Page<T> {
  data: T[]
  meta: { next_cursor: string | null; prev_cursor?: string | null }
}

/** One action of a macro: `setResponseText` holds the reply, the others change the ticket. */
export interface MacroAction {
  name?: string | null
  type?: string | null
  title?: string | null
  arguments?: Record<string, unknown> | null
}

/** A macro (`GET /api/macros/{id}`): a canned answer kept by the support team in Gorgias. */
export interface Macro {
  id: number
  name?: string | null
  /** ISO 639-1, e.g. `fr` */
  language?: string | null
  intent?: string | null
  archived_datetime?: string | null
  actions?: MacroAction[] | null
}

/** The account (`GET /api/account`); `settings` are read defensively (src/accountHours.ts). */
export interface Account {
  domain?: string | null
  status?: unknown
  settings?: unknown
}
