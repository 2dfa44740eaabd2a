import { SettingsError } from './inputs.js'
import { AuthError, DeadlineError, NotFoundError, ValidationError } from './gorgias/errors.js'
import { findUserByEmail, getMacro, listMacros, type GorgiasClient } from './gorgias/client.js'
import type { Macro, MacroAction } from './gorgias/types.js'
import {
  INPUTS_LANGUAGE,
  type MacroRef,
  type MacroUse,
  type MessageCatalog,
  type MessageTemplates,
  type TemplateKind
} from './messages.js'
import { characterOf } from './policy/thread.js'
import { templateProblem, usesVariable } from './variables.js'
import { cut, oneLine } from './text.js'

/**
 * The macros named for the texts (follow-up-macro, ..., or a messages-file's `follow-up-macro:`),
 * read once per run before any write and turned into the texts sent. Only a macro's
 * setResponseText is used; its other actions are listed as not applied. Anything that makes a
 * macro unusable (not found, ambiguous, archived, no text, a variable this action cannot fill) is a
 * SettingsError naming where the macro is named: the run stops before it writes anything.
 */

export type MacroClient = Pick<GorgiasClient, 'getJson' | 'list'>

const KINDS: TemplateKind[] = ['followUp', 'finalFollowUp', 'close']

/** A macro's reply, checked; `label` is how it is named, e.g. `macro "Follow-up" (#12, fr)`. */
interface Reply {
  id: number
  name: string
  /** lower-cased language tag, or null */
  language: string | null
  label: string
  text: string
  html: string | null
}

/** The macro named and its translations (same name, other languages); `named` is the default. */
interface Family {
  named: Reply
  byLanguage: Map<string, Reply>
  use: MacroUse
}

/** Most macros a name search pages through: an account has hundreds, not tens of thousands. */
const MAX_SEARCH_PAGES = 20

const refKey = (ref: MacroRef): string => (ref.id !== null ? `#${ref.id}` : `name:${ref.name}`)

/**
 * The catalog with every macro reference replaced by the macro's texts, the macros in use for the
 * summary, and the API user when a text uses `{{current_user.*}}`. A catalog without either is
 * returned as it is, without a request.
 */
export async function resolveMessages(
  client: MacroClient,
  catalog: MessageCatalog,
  apiUserEmail: string
): Promise<MessageCatalog> {
  let resolved = catalog
  const refs = Object.values(catalog.byLanguage).flatMap(t => Object.values(t.macros ?? {}))
  if (refs.length > 0) {
    const families = new Map<string, Family>()
    for (const ref of refs) {
      if (!families.has(refKey(ref))) families.set(refKey(ref), await readFamily(client, ref))
    }
    const familyOf = (ref: MacroRef): Family => families.get(refKey(ref))!
    const uses = new Map<string, MacroUse>()
    for (const ref of refs) {
      const use = familyOf(ref).use
      const input = ref.input.replace(/^messages-file /, '')
      if (!uses.has(`${input} ${use.name}`)) uses.set(`${input} ${use.name}`, { ...use, input })
    }
    resolved = { ...catalog, byLanguage: withMacros(catalog, familyOf), macros: [...uses.values()] }
  }
  if (usesCurrentUser(resolved)) {
    const user = await reading(
      'gorgias-email',
      'the API user (GET /api/users, for {{current_user...}})',
      () => findUserByEmail(client, apiUserEmail)
    )
    if (!user) {
      throw new SettingsError(
        'gorgias-email',
        `gorgias-email: a text uses {{current_user...}}, the API user, but no Gorgias user has the email ${apiUserEmail}; set gorgias-email to the email of the user that owns the API key`
      )
    }
    // Only what a text can read: the user's other fields (updated_datetime...) would change the
    // state's fingerprint from run to run.
    const { id, email, name, firstname, lastname } = user
    resolved = { ...resolved, currentUser: { id, email, name, firstname, lastname } }
  }
  return resolved
}

function usesCurrentUser(catalog: MessageCatalog): boolean {
  return Object.values(catalog.byLanguage).some(t =>
    KINDS.some(
      kind =>
        usesVariable(t[kind], 'current_user.') ||
        (t.html?.[kind] !== undefined && usesVariable(t.html[kind], 'current_user.', true))
    )
  )
}

/**
 * Each entry with its macros' texts in its language. The message inputs (one entry) get an entry
 * per language the macros have, so a French ticket gets the French macro; an input's text is the
 * same in each.
 */
function withMacros(
  catalog: MessageCatalog,
  familyOf: (ref: MacroRef) => Family
): Record<string, MessageTemplates> {
  const entry = (base: MessageTemplates, language: string | null): MessageTemplates => {
    const { macros, ...rest } = base
    const templates: MessageTemplates = { ...rest, sources: { ...rest.sources }, html: {} }
    for (const kind of KINDS) {
      const ref = macros?.[kind]
      if (!ref) continue
      const family = familyOf(ref)
      const tag = language?.toLowerCase().replace(/_/g, '-')
      // exact, then the primary subtag, then the macro named
      const reply =
        tag === undefined
          ? family.named
          : (family.byLanguage.get(tag) ??
            family.byLanguage.get(tag.split('-')[0]!) ??
            family.named)
      templates[kind] = reply.text
      if (reply.html !== null) templates.html![kind] = reply.html
      templates.sources![kind] = reply.label
    }
    return templates
  }
  if (catalog.source !== 'inputs') {
    const entries = Object.entries(catalog.byLanguage)
    return Object.fromEntries(entries.map(([language, t]) => [language, entry(t, language)]))
  }
  const base = catalog.byLanguage[INPUTS_LANGUAGE]!
  const byLanguage: Record<string, MessageTemplates> = { [INPUTS_LANGUAGE]: entry(base, null) }
  for (const ref of KINDS.flatMap(kind => base.macros?.[kind] ?? [])) {
    for (const language of familyOf(ref).byLanguage.keys()) {
      if (!Object.hasOwn(byLanguage, language)) byLanguage[language] = entry(base, language)
    }
  }
  return byLanguage
}

/** Why a read failed, as the person who named the macro can act on it. */
async function reading<T>(where: string, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    // Credentials and the time limit stop the run as they do anywhere else; not a settings error.
    if (err instanceof AuthError || err instanceof DeadlineError || err instanceof SettingsError) {
      throw err
    }
    if (err instanceof NotFoundError) {
      const hint = what.startsWith('macro')
        ? "; check the macro's id in Gorgias (Settings > Macros)"
        : ''
      throw new SettingsError(where, `${where}: ${what} not found${hint}`)
    }
    const why = err instanceof Error ? err.message : String(err)
    const message = `${where}: ${what} could not be read: ${why}`
    // Refused as asked: the setting to fix (exit 2). A server error or an answer that is not JSON
    // is not the settings' fault: the run stops as on any other error (exit 1).
    throw err instanceof ValidationError ? new SettingsError(where, message) : new Error(message)
  }
}

/** `GET /macros/{id}`: an answer that is another macro is junk, never a text to send. */
async function readMacro(client: MacroClient, where: string, what: string, id: number) {
  const macro = await reading(where, what, () => getMacro(client, id))
  if (macro.id !== id) {
    throw new Error(
      `${where}: GET /macros/${id} answered macro #${macro.id}, not the one asked for`
    )
  }
  return macro
}

const archivedError = (where: string, what: string): SettingsError =>
  new SettingsError(where, `${where}: ${what}; restore it in Gorgias or name another macro`)

/** The macro named by id or by exact name, and the macros of that same name (other languages). */
async function findNamed(
  client: MacroClient,
  ref: MacroRef
): Promise<{ named: Macro; sameName: Macro[] }> {
  const where = ref.input
  if (ref.id !== null) {
    const named = await readMacro(client, where, `macro #${ref.id}`, ref.id)
    if (isArchived(named)) throw archivedError(where, `${describe(named)} is archived`)
    const name = typeof named.name === 'string' ? named.name : ''
    return { named, sameName: name ? await searchByName(client, where, name) : [] }
  }
  const name = ref.name!
  const all = await searchByName(client, where, name)
  if (all.length === 0) {
    throw new SettingsError(
      where,
      `${where}: no macro is named "${name}" (names are matched exactly, case included); give the exact name or the macro's id`
    )
  }
  const sameName = all.filter(m => !isArchived(m))
  if (sameName.length === 0) {
    const ids = all.map(m => `#${m.id}`).join(', ')
    throw archivedError(where, `the macro "${name}" is archived (${ids})`)
  }
  return { named: sameName.reduce((a, b) => (b.id < a.id ? b : a)), sameName }
}

async function readFamily(client: MacroClient, ref: MacroRef): Promise<Family> {
  const where = ref.input
  const { named, sameName } = await findNamed(client, ref)
  const byLanguage = new Map<string, Macro>()
  const namedLanguage = languageOf(named)
  for (const macro of [named, ...sameName.filter(m => m.id !== named.id && !isArchived(m))]) {
    const language = languageOf(macro)
    const other = language === null ? undefined : byLanguage.get(language)
    if (other && other.id !== macro.id) {
      if (ref.id !== null && language === namedLanguage) continue
      throw new SettingsError(
        where,
        `${where}: "${shownName(named)}" names ${describe(other)} and ${describe(macro)} in the same language; name one by its id, or rename the other in Gorgias`
      )
    }
    if (language !== null) byLanguage.set(language, macro)
    else if (macro.id !== named.id && ref.id === null) {
      throw new SettingsError(
        where,
        `${where}: "${shownName(named)}" names several macros (${sameName.map(m => `#${m.id}`).join(', ')}); name one by its id`
      )
    }
  }
  const full = (macro: Macro): Promise<Macro> | Macro =>
    Array.isArray(macro.actions) ? macro : readMacro(client, where, describe(macro), macro.id)
  const replies = new Map<string, Reply>()
  // Every macro whose text may be sent: each one's other actions are said not to be applied.
  const fulls: Macro[] = [await full(named)]
  for (const [language, macro] of byLanguage) {
    const read = macro.id === named.id ? fulls[0]! : await full(macro)
    if (read !== fulls[0]) fulls.push(read)
    replies.set(language, replyOf(where, read))
  }
  const namedReply =
    namedLanguage !== null ? replies.get(namedLanguage)! : replyOf(where, fulls[0]!)
  const others = [...replies.values()].filter(r => r.id !== namedReply.id)
  const ignored = fulls.flatMap(m => (m.actions ?? []).map(actionName))
  return {
    named: namedReply,
    byLanguage: replies,
    use: {
      input: where,
      name: namedReply.name,
      macros: [namedReply, ...others].map(r => ({ id: r.id, language: r.language })),
      ignoredActions: [...new Set(ignored)].filter(n => n !== 'setResponseText')
    }
  }
}

/** Every macro whose name is exactly `name`, archived ones included. */
async function searchByName(client: MacroClient, where: string, name: string): Promise<Macro[]> {
  return reading(where, `the macros named "${name}"`, async () => {
    const found: Macro[] = []
    let pages = 0
    for await (const page of listMacros(client, { search: name })) {
      found.push(
        ...page.filter(
          m =>
            typeof m?.id === 'number' && typeof m.name === 'string' && m.name.trim() === name.trim()
        )
      )
      if (++pages >= MAX_SEARCH_PAGES) break
    }
    return found
  })
}

function isArchived(macro: Macro): boolean {
  return typeof macro.archived_datetime === 'string' && macro.archived_datetime !== ''
}

function languageOf(macro: Macro): string | null {
  const language =
    typeof macro.language === 'string' ? macro.language.trim().toLowerCase().replace(/_/g, '-') : ''
  return /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(language) ? language : null
}

/** A macro's name where it is shown (errors, the summary, a terminal): one line, of sane length. */
function shownName(macro: Macro): string {
  return typeof macro.name === 'string' ? cut(oneLine(macro.name), 100) : '?'
}

function describe(macro: Macro): string {
  const language = languageOf(macro)
  return `macro "${shownName(macro)}" (#${macro.id}${language ? `, ${language}` : ''})`
}

const actionName = (a: MacroAction): string =>
  [a?.name, a?.type].find((n): n is string => typeof n === 'string' && n !== '') ?? '?'

/** The macro's setResponseText, checked: text to send, and variables this action can fill. */
function replyOf(where: string, macro: Macro): Reply {
  const label = describe(macro)
  if (isArchived(macro)) throw archivedError(where, `${label} is archived`)
  if (!Array.isArray(macro.actions ?? [])) {
    throw new SettingsError(
      where,
      `${where}: ${label} has no list of actions (Gorgias answered ${cut(oneLine(JSON.stringify(macro.actions) ?? ''), 60)}); check the macro in Gorgias, or name another`
    )
  }
  const action = (macro.actions ?? []).find(a => actionName(a) === 'setResponseText')
  const args = action?.arguments ?? {}
  const bodyText =
    typeof args.body_text === 'string' ? args.body_text.replace(/\r\n/g, '\n').trim() : ''
  const bodyHtml = typeof args.body_html === 'string' ? args.body_html.trim() : ''
  // An email shows body_html, the preview and explain the text: the text is the HTML's own words.
  const text = htmlToText(bodyHtml) || bodyText
  if (!text) {
    throw new SettingsError(
      where,
      `${where}: ${label} has no response text (its "setResponseText" action is missing or empty); add the reply to the macro in Gorgias`
    )
  }
  const textProblem = templateProblem(text)
  if (textProblem) throw new SettingsError(where, `${where}: ${label} body_text: ${textProblem}`)
  const htmlProblem = bodyHtml ? templateProblem(bodyHtml, true) : null
  if (htmlProblem) throw new SettingsError(where, `${where}: ${label} body_html: ${htmlProblem}`)
  const name = shownName(macro)
  return { id: macro.id, name, language: languageOf(macro), label, text, html: bodyHtml || null }
}

/** `<a href="url">words</a>`: the words, then the address, as a text version can show a link. */
const LINK =
  /<a\b[^<>]*?\shref\s*=\s*(["'])(https?:\/\/[^"'<>\s]+|mailto:[^"'<>\s]+)\1[^<>]*>((?:(?!<a\b)[\s\S])*?)<\/a\s*>/gi
function withUrl(href: string, inner: string): string {
  const url = href.replace(/&amp;/gi, '&')
  const words = inner.replace(/<[^<>]*>/g, '').trim()
  const shown = url.replace(/^mailto:/i, '')
  return words === '' || words === shown || words === url ? shown : `${inner} (${url})`
}

/** A text version of an HTML reply, for a macro that has body_html only (references read once). */
function htmlToText(html: string): string {
  return html
    .replace(/<!--(?:(?!<!--)[\s\S])*?-->/g, '')
    .replace(/<(style|script|head|title)\b[^<>]*>(?:(?!<\1\b)[\s\S])*?<\/\1\s*>/gi, '')
    .replace(LINK, (all, _q, href: string, inner: string) => withUrl(href, inner))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(?:p|div|li|h[1-6])>/gi, '\n\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, characterOf)
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
