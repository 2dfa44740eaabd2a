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
