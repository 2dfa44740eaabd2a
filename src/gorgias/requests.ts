/** Every kind of request the client makes: counted in the stats, named in errors and events. */
export const REQUEST_KINDS = [
  'list-tickets',
  'list-view',
  'get-ticket',
  'list-messages',
  'create-message',
  'close-ticket',
  'add-tags',
  'remove-tags',
  'tags',
  'read-other'
] as const

export type RequestKind = (typeof REQUEST_KINDS)[number]

/**
 * Only creating a message is unsafe to repeat: once it may have reached Gorgias, a second attempt
 * could send the customer the same text twice. Closing and tag changes are idempotent.
 */
export function isRetrySafe(kind: RequestKind): boolean {
  return kind !== 'create-message'
}

const WRITE_KINDS = new Set<RequestKind>([
  'create-message',
  'close-ticket',
  'add-tags',
  'remove-tags'
])

/**
 * When, on the server's clock, a write to a ticket landed: its answer's `Date` header, to the end
 * of that second (the header drops the fraction, and the write was made before the answer left).
 * Null for a read, a path of no ticket, or no readable date.
 */
export function writeTime(
  kind: RequestKind,
  path: string,
  date: string | null | undefined
): { ticketId: number; at: number } | null {
  if (!WRITE_KINDS.has(kind) || !date) return null
  const id = /^\/tickets\/(\d+)(?:\/|$)/.exec(path)?.[1]
  const at = Date.parse(date)
  if (id === undefined || Number.isNaN(at)) return null
  return { ticketId: Number(id), at: at - (((at % 1000) + 1000) % 1000) + 999 }
}
