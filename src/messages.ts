import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { parseTemplate, SettingsError } from './config.js'

/**
 * The texts this action sends, by language. Either one set built from the message inputs, or a
 * `messages-file` of templates per language (see loadMessageCatalog). Pure apart from reading the
 * file, which happens once, before any request.
 */

export interface MessageTemplates {
  followUp: string
  /** '' = the last reminder uses followUp */
  finalFollowUp: string
  /** '' = close without a message */
  close: string
}

export interface MessageCatalog {
  /** where the texts come from, for the summary: 'inputs' or the file's path */
  source: string
  /** the language used when a ticket's language has no entry, or none was detected */
  defaultLanguage: string
  /** lower-cased language tag -> templates */
  byLanguage: Record<string, MessageTemplates>
}

/** The language key of the message inputs: they are one set for every ticket. */
export const INPUTS_LANGUAGE = 'default'

export function catalogFromInputs(texts: {
  followUpMessage: string
  finalFollowUpMessage: string
  closeMessage: string
}): MessageCatalog {
  return {
    source: 'inputs',
    defaultLanguage: INPUTS_LANGUAGE,
    byLanguage: {
      [INPUTS_LANGUAGE]: {
        followUp: texts.followUpMessage,
        finalFollowUp: texts.finalFollowUpMessage,
        close: texts.closeMessage
      }
    }
  }
}

/**
 * The templates for a ticket's language: the exact tag, then its primary subtag (`fr-CA` -> `fr`),
 * then the default. `language` is what was chosen, for the report.
 */
export function templatesFor(
  catalog: MessageCatalog,
  ticketLanguage: unknown
): { language: string; templates: MessageTemplates } {
  // Some systems write `fr_CA`; the file's keys are BCP 47 tags (`fr-ca`).
  const tag =
    typeof ticketLanguage === 'string' ? ticketLanguage.trim().toLowerCase().replace(/_/g, '-') : ''
  const tried = tag ? [tag, tag.split('-')[0]!] : []
  for (const language of tried) {
    const templates = Object.hasOwn(catalog.byLanguage, language)
      ? catalog.byLanguage[language]
      : undefined
    if (templates) return { language, templates }
  }
  return {
    language: catalog.defaultLanguage,
    templates: catalog.byLanguage[catalog.defaultLanguage]!
  }
}

/** Every template of every language, for recognising this action's own messages by their text. */
export function everyTemplate(catalog: MessageCatalog): string[] {
  return Object.values(catalog.byLanguage).flatMap(t =>
    [t.followUp, t.finalFollowUp, t.close].filter(text => text !== '')
  )
}

/** A messages file is a few kilobytes of text; anything near this is a wrong path. */
export const MAX_MESSAGES_FILE_BYTES = 256 * 1024

/** `en`, `fr`, `pt-br`, `zh-hant-tw`: a BCP 47 language tag, as Gorgias reports a ticket's. */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i

/** The keys of one language's entry, and the field each fills. */
const TEMPLATE_KEYS = {
  'follow-up': 'followUp',
  'final-follow-up': 'finalFollowUp',
  close: 'close'
} as const satisfies Record<string, keyof MessageTemplates>

const FORMAT_HINT =
  'expected a mapping such as "default: en" followed by "en:" with "follow-up:" under it (see examples/messages.yml)'

/** Throws: `where` is "" or the key followed by ": ". */
type Fail = (where: string, problem: string) => never

export type ReadFile = (path: string) => Uint8Array | string

/**
 * Reads and validates a messages file (see examples/messages.yml):
 *
 *     default: en
 *     en: { follow-up: "...", final-follow-up: "...", close: "..." }
 *     fr: { follow-up: "..." }
 *
 * Every problem is a SettingsError of `messages-file` naming the file and the key, thrown before
 * any request: a bad text must stop the run, not be sent to customers.
 */
export function loadMessageCatalog(
  path: string,
  read: ReadFile = file => readFileSync(file)
): MessageCatalog {
  const fail: Fail = (where, problem) => {
    throw new SettingsError('messages-file', `messages-file ${path}: ${where}${problem}`)
  }

  let raw: Uint8Array | string
  try {
    raw = read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return fail(
        '',
        "not found. The path is relative to the workflow's checkout: run actions/checkout before this action, and check the path and its upper/lower case"
      )
    }
    if (code === 'EISDIR') return fail('', 'is a directory; expected a YAML file')
    if (code === 'EACCES' || code === 'EPERM') {
      return fail('', 'cannot be read (permission denied)')
    }
    return fail('', `cannot be read: ${err instanceof Error ? err.message : String(err)}`)
  }
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength
  if (bytes > MAX_MESSAGES_FILE_BYTES) {
    fail('', `is ${bytes} bytes; a messages file is at most ${MAX_MESSAGES_FILE_BYTES} bytes`)
  }
  let text: string
  try {
    text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    return fail('', 'is not UTF-8 text; save it as UTF-8')
  }

  const document = parseYaml(text, fail)
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const got = document === null ? 'an empty file' : Array.isArray(document) ? 'a list' : 'text'
    return fail('', `got ${got}; ${FORMAT_HINT}`)
  }

  const byLanguage: Record<string, MessageTemplates> = {}
  let defaultLanguage: string | null = null
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    if (key === 'default') {
      if (typeof value !== 'string' || !value.trim()) {
        fail(
          'default: ',
          `got ${JSON.stringify(value ?? null)}; expected a language such as "en", used when a ticket's language has no entry`
        )
      }
      defaultLanguage = value.trim().toLowerCase()
      continue
    }
    const language = key.toLowerCase()
    if (!LANGUAGE_TAG.test(key)) {
      fail(
        `${key}: `,
        'is not a language tag; expected "default" or a language such as en, fr, de, pt-br'
      )
    }
    if (Object.hasOwn(byLanguage, language)) {
      fail(`${key}: `, `is the same language as "${language}" above (keys ignore case)`)
    }
    byLanguage[language] = templatesOf(language, value, fail)
  }

  if (defaultLanguage === null) {
    return fail(
      'default: ',
      `missing; add "default: <language>", the language used when a ticket's language has no entry or none was detected`
    )
  }
  const languages = Object.keys(byLanguage)
  if (!Object.hasOwn(byLanguage, defaultLanguage)) {
    const has = languages.length > 0 ? `the file has ${languages.join(', ')}` : 'the file has none'
    fail('default: ', `names "${defaultLanguage}", which has no entry; ${has}`)
  }
  return { source: path, defaultLanguage, byLanguage }
}

/** YAML 1.2 core schema only: no custom tags, no merge keys, duplicate keys refused. */
function parseYaml(text: string, fail: Fail): unknown {
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: true
  })
  const problem = doc.errors[0] ?? doc.warnings[0]
  if (problem) {
    const at = problem.linePos?.[0]
    const where = at ? ` at line ${at.line}, column ${at.col}` : ''
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    const why =
      problem.code === 'TAG_RESOLVE_FAILED'
        ? `${message}; YAML tags (!name) are not allowed here`
        : problem.code === 'DUPLICATE_KEY'
          ? `${message}; a key appears twice`
          : message
    fail('', `is not valid YAML${where}: ${why}`)
  }
  // Aliases are allowed (fr-ca: *fr), but not enough of them to blow up the file's size.
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown
  } catch (err) {
    return fail('', `is not usable YAML: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function templatesOf(language: string, value: unknown, fail: Fail): MessageTemplates {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(
      `${language}: `,
      'expected the texts under it: "follow-up:", and optionally "final-follow-up:" and "close:"'
    )
  }
  const entry = value as Record<string, unknown>
  const templates: MessageTemplates = { followUp: '', finalFollowUp: '', close: '' }
  for (const [key, text] of Object.entries(entry)) {
    const where = `${language}.${key}: `
    if (!Object.hasOwn(TEMPLATE_KEYS, key)) {
      fail(where, `unknown key; a language has only ${Object.keys(TEMPLATE_KEYS).join(', ')}`)
    }
    if (typeof text !== 'string') {
      const hint = key === 'follow-up' ? '' : ` (leave ${key} out to send none)`
      fail(where, `got ${text === null ? 'nothing' : JSON.stringify(text)}; expected text${hint}`)
    }
    const field = TEMPLATE_KEYS[key as keyof typeof TEMPLATE_KEYS]
    try {
      templates[field] = parseTemplate(`${language}.${key}`, text, key === 'follow-up')
    } catch (err) {
      if (err instanceof SettingsError) fail('', err.message)
      throw err
    }
  }
  if (!Object.hasOwn(entry, 'follow-up')) {
    fail(`${language}: `, 'has no "follow-up:"; every language needs one')
  }
  return templates
}
