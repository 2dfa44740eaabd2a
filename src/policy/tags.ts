import type { Tag, Ticket } from '../gorgias/types.js'

/**
 * Tags as the policy reads and removes them. This action's own tags (follow-up-tag, closed-tag)
 * mirror its markers for people; any case matches.
 */

export function tagNames(ticket: Ticket): string[] {
  return (ticket.tags ?? []).map(t => t.name.toLowerCase())
}

/**
 * One of this action's tags as the ticket carries it. Gorgias gives every tag an id, but a tag
 * that comes without one (or with one that is not a number) must still count as present and be
 * removable: by its name.
 */
export interface OwnTag {
  name: string
  id: number | null
}

export function ownTag(ticket: Ticket, name: string): OwnTag | undefined {
  const wanted = name.toLowerCase()
  const found = (ticket.tags ?? []).find(t => t.name.toLowerCase() === wanted)
  if (!found) return undefined
  return { name: found.name, id: Number.isSafeInteger(found.id) ? found.id : null }
}

/** Tags to remove, split as the decisions carry them: with an id, and by name only. */
export function splitTags(tags: OwnTag[]): { tags: Tag[]; namesWithoutId: string[] } {
  return {
    tags: tags.flatMap(t => (t.id === null ? [] : [{ id: t.id, name: t.name }])),
    namesWithoutId: tags.flatMap(t => (t.id === null ? [t.name] : []))
  }
}

/** The tag named `name` (any case) with its id; undefined when absent or carried without an id. */
export function findTag(ticket: Ticket, name: string): Tag | undefined {
  const found = ownTag(ticket, name)
  return found && found.id !== null ? { id: found.id, name: found.name } : undefined
}

/**
 * The body of `DELETE /api/tickets/{id}/tags` that removes exactly these tags and no other: ids
 * where Gorgias gave them, names for the rest (the endpoint takes both:
 * https://developers.gorgias.com/reference/create-ticket-tags).
 * Empty when there is nothing to remove: then send no request.
 */
export function tagRemoval(
  tags: Tag[],
  namesWithoutId: string[]
): { ids?: number[]; names?: string[] } {
  const body: { ids?: number[]; names?: string[] } = {}
  if (tags.length > 0) body.ids = tags.map(t => t.id)
  if (namesWithoutId.length > 0) body.names = [...namesWithoutId]
  return body
}

/** The tags a follow-up removes, as its decision carries them (see Decision). */
export function staleTags(tags: OwnTag[]): { staleTags: Tag[]; staleNamesWithoutId: string[] } {
  const split = splitTags(tags)
  return { staleTags: split.tags, staleNamesWithoutId: split.namesWithoutId }
}
