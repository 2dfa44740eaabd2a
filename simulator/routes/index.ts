/** The route table: path templates, their handlers per method, and the checks every route shares. */
import { HttpError, errorResult, type Result } from '../results.js'
import type { RouteContext, RouteRequest } from './context.js'
import { getAccount } from './account.js'
import { getCustomer } from './customers.js'
import { listIntegrations } from './integrations.js'
import { getMacro, listMacros } from './macros.js'
import { createMessage, listMessages, listTicketMessages } from './messages.js'
import { changeTicketTags, createTag, listTags, listTicketTags } from './tags.js'
import { getTicket, listTickets, updateTicket } from './tickets.js'
import { listUsers } from './users.js'
import { getView, listViews, viewItems } from './views.js'

type Handler = (ctx: RouteContext, req: RouteRequest) => Result

interface Route {
  pattern: RegExp
  template: string
  /** In the order the `Allow` header lists them. */
  handlers: Record<string, Handler>
  /** Methods the reference marks deprecated on this path. */
  deprecated?: string[]
  /** Methods that only read although their verb usually writes (PUT of a view query). */
  readOnly?: string[]
}

const ROUTES: Route[] = [
  { pattern: /^\/api\/tickets$/, template: '/api/tickets', handlers: { GET: listTickets } },
  {
    pattern: /^\/api\/tickets\/(\d+)$/,
    template: '/api/tickets/{id}',
    handlers: { GET: getTicket, PUT: updateTicket }
  },
  {
    pattern: /^\/api\/tickets\/(\d+)\/messages$/,
    template: '/api/tickets/{id}/messages',
    handlers: { GET: listTicketMessages, POST: createMessage },
    deprecated: ['GET']
  },
  {
    pattern: /^\/api\/tickets\/(\d+)\/tags$/,
    template: '/api/tickets/{id}/tags',
    handlers: {
      GET: listTicketTags,
      POST: changeTicketTags,
      PUT: changeTicketTags,
      DELETE: changeTicketTags
    }
  },
  { pattern: /^\/api\/messages$/, template: '/api/messages', handlers: { GET: listMessages } },
  { pattern: /^\/api\/tags$/, template: '/api/tags', handlers: { GET: listTags, POST: createTag } },
  {
    pattern: /^\/api\/customers\/(\d+)$/,
    template: '/api/customers/{id}',
    handlers: { GET: getCustomer }
  },
  { pattern: /^\/api\/users$/, template: '/api/users', handlers: { GET: listUsers } },
  {
    pattern: /^\/api\/integrations$/,
    template: '/api/integrations',
    handlers: { GET: listIntegrations }
  },
  { pattern: /^\/api\/account$/, template: '/api/account', handlers: { GET: getAccount } },
  { pattern: /^\/api\/macros$/, template: '/api/macros', handlers: { GET: listMacros } },
  {
    pattern: /^\/api\/macros\/(\d+)$/,
    template: '/api/macros/{id}',
    handlers: { GET: getMacro }
  },
  { pattern: /^\/api\/views$/, template: '/api/views', handlers: { GET: listViews } },
  { pattern: /^\/api\/views\/(\d+)$/, template: '/api/views/{id}', handlers: { GET: getView } },
  {
    pattern: /^\/api\/views\/(\d+)\/items$/,
    template: '/api/views/{id}/items',
    handlers: { GET: viewItems, PUT: viewItems },
    readOnly: ['PUT']
  }
]

/** Log routes (`METHOD template`) whose verb looks like a write but that only read. */
export const READ_ONLY_ROUTES: ReadonlySet<string> = new Set(
  ROUTES.flatMap(r => (r.readOnly ?? []).map(method => `${method} ${r.template}`))
)

export interface RouteMatch {
  route: Route
  id: number
}

/** The route of a path (a trailing slash is ignored), or null. */
export function matchRoute(path: string): RouteMatch | null {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path
  for (const route of ROUTES) {
    const m = route.pattern.exec(normalized)
    if (m) return { route, id: m[1] === undefined ? 0 : Number(m[1]) }
  }
  return null
}

export function isDeprecated(method: string, match: RouteMatch | null): boolean {
  return match?.route.deprecated?.includes(method) ?? false
}

export interface Access {
  /** Valid credentials without the permission: 403 on every known route. */
  forbidden: boolean
  /** false: the account has no views API, every /api/views path is a 404. */
  views: boolean
}

/** Runs the request's route; an HttpError thrown below becomes the answer in the transport. */
export function dispatch(
  ctx: RouteContext,
  access: Access,
  req: Omit<RouteRequest, 'id'>,
  match: RouteMatch | null
): Result {
  const { method, path, query } = req
  if (!match || (!access.views && /^\/api\/views(\/|$)/.test(path))) {
    throw new HttpError(404, `Not found: ${method} ${path}`)
  }
  if (query.has('page') || query.has('offset')) {
    throw new HttpError(
      400,
      'Offset pagination (page/offset) is no longer supported: use cursor pagination with limit and cursor',
      { [query.has('page') ? 'page' : 'offset']: ['Unknown parameter.'] }
    )
  }
  const handlers = match.route.handlers
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined
  if (!handler) {
    return {
      ...errorResult(405, `Method ${method} not allowed on ${match.route.template}`),
      headers: { Allow: Object.keys(handlers).join(', ') }
    }
  }
  if (access.forbidden) {
    throw new HttpError(403, 'Forbidden: this API key lacks the permission for this request')
  }
  return handler(ctx, { ...req, id: match.id })
}
