/**
 * Tags: a ticket's tags (`/api/tickets/{id}/tags`: POST adds, DELETE removes the given ones, PUT
 * replaces the set) and the account's tags (`/api/tags`). Names match in any case.
 */
import type { Tag } from '../../src/gorgias/types.js'
import { paginate, wholePage } from '../cursor.js'
import {
  addError,
  HttpError,
  parseLimit,
  requireObject,
  throwIfErrors,
  type Errors,
  type Result
} from '../results.js'
import type { Store } from '../store.js'
import { isPositiveInt } from '../values.js'
import type { RouteContext, RouteRequest } from './context.js'

export function listTicketTags(ctx: RouteContext, { id }: RouteRequest): Result {
  const ticket = ctx.store.ticketOr404(id)
  return { status: 200, body: wholePage(ctx.store.ticketTags(ticket)) }
}

export function changeTicketTags(ctx: RouteContext, { method, id, body }: RouteRequest): Result {
  const { store } = ctx
  const ticket = store.ticketOr404(id)
  const { ids, names } = tagReferences(store, method, requireObject(body))

  const current = store.ticketTags(ticket)
  let next: Tag[]
  if (method === 'DELETE') {
    const dropIds = new Set(ids)
    next = current.filter(t => !dropIds.has(t.id) && !names.some(n => store.sameTagName(n, t.name)))
  } else {
    const given = [...ids.map(i => store.tags.get(i) as Tag), ...names.map(n => store.tagByName(n, true))] // prettier-ignore
    next = method === 'PUT' ? [] : [...current]
    for (const tag of given) {
      if (!next.some(t => t.id === tag.id)) next.push({ ...tag })
    }
  }
  const changed = next.length !== current.length || next.some((t, i) => t.id !== current[i]?.id)
  if (changed) {
    ticket.tags = next
    ticket.updated_datetime = store.nowIso()
  }
  if (method === 'DELETE') return { status: 204 }
  return { status: method === 'POST' ? 201 : 200, body: wholePage(store.ticketTags(ticket)) }
}

/** The `ids` and `names` of a tag request body, validated. */
function tagReferences(
  store: Store,
  method: string,
  input: Record<string, unknown>
): { ids: number[]; names: string[] } {
  const errors: Errors = {}
  const ids: number[] = []
  const names: string[] = []
  if (input.ids !== undefined) {
    if (!Array.isArray(input.ids)) addError(errors, 'ids', 'Not a valid list.')
    else {
      input.ids.forEach((v: unknown, i) => {
        if (isPositiveInt(v)) ids.push(v)
        else addError(errors, `ids.${i}`, 'Not a valid integer.')
      })
    }
  }
  if (input.names !== undefined) {
    if (!Array.isArray(input.names)) addError(errors, 'names', 'Not a valid list.')
    else {
      input.names.forEach((v: unknown, i) => {
        if (typeof v === 'string' && v.trim() !== '') names.push(v.trim())
        else addError(errors, `names.${i}`, 'Not a valid tag name.')
      })
    }
  }
  if (input.ids === undefined && input.names === undefined) {
    addError(errors, 'ids', 'Give the tags as "ids" and/or "names".')
  } else if (method !== 'PUT' && ids.length === 0 && names.length === 0) {
    addError(errors, 'ids', 'Give at least one tag.')
  }
  const unknown = ids.filter(i => !store.tags.has(i))
  if (unknown.length > 0) addError(errors, 'ids', `Unknown tag id(s): ${unknown.join(', ')}.`)
  throwIfErrors(errors)
  return { ids, names }
}

/** `search` keeps the tags whose name contains it, in any case. */
export function listTags(ctx: RouteContext, { query }: RouteRequest): Result {
  const search = (query.get('search') ?? '').trim().toLowerCase()
  const page = paginate(
    ctx.store.tags.values(),
    {
      key: () => null,
      id: t => t.id,
      direction: 1,
      keep: t => search === '' || t.name.toLowerCase().includes(search)
    },
    `tags:${search}`,
    parseLimit(query),
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(t => ({ ...t })) } }
}

export function createTag(ctx: RouteContext, { body }: RouteRequest): Result {
  const input = requireObject(body)
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  if (name === '') throw new HttpError(400, 'Validation error', { name: ['Missing data for required field.'] }) // prettier-ignore
  if (ctx.store.findTagByName(name)) {
    throw new HttpError(400, 'Validation error', { name: ['A tag with this name already exists.'] }) // prettier-ignore
  }
  return { status: 201, body: { ...ctx.store.tagByName(name, true) } }
}
