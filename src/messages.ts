import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import type { User } from './gorgias/types.js'
import { templateProblem } from './variables.js'

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
  /** a macro's body_html per text, sent as the macro has it; absent: built from the text */
  html?: Partial<Record<TemplateKind, string>>
  /** where each text comes from, e.g. `macro "Follow-up" (#12, fr)`, for previews */
  sources?: Partial<Record<TemplateKind, string>>
  /** macros named for a text, read by the run before any write (src/macros.ts) and replaced */
  macros?: Partial<Record<TemplateKind, MacroRef>>
}

export type TemplateKind = 'followUp' | 'finalFollowUp' | 'close'

/** A macro named for a text: by id (`12`, `#12`) or by its exact name. */
export interface MacroRef {
  /** where it is named, for errors: `follow-up-macro` or `messages-file fr.follow-up-macro` */
  input: string
  id: number | null
  name: string | null
}

/** A macro in use, for the summary's settings. */
export interface MacroUse {
  input: string
  name: string
  /** the macro named and its translations (same name, other languages); the first is the default */
  macros: Array<{ id: number; language: string | null }>
  /** its actions other than setResponseText, which this action does not apply */
  ignoredActions: string[]
}

export interface MessageCatalog {
  /** where the texts come from, for the summary: 'inputs' or the file's path */
  source: string
  /** the language used when a ticket's language has no entry, or none was detected */
  defaultLanguage: string
  /** lower-cased language tag -> templates */
  byLanguage: Record<string, MessageTemplates>
  /** the macros read for the texts (src/macros.ts) */
  macros?: MacroUse[]
  /** the API user, for `{{current_user.*}}`: read only when a text uses it */
  currentUser?: User | null
}

/**
 * A text that cannot be sent, or a messages file that cannot be used: `input` is where it is
 * given (`follow-up-message`, `messages-file`). Settings parsing turns it into a SettingsError.
 */
export class MessagesError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(message)
    this.name = 'MessagesError'
  }
}

/** A message template: known placeholders only, balanced braces. `input` names it in errors. */
export function parseTemplate(input: string, raw: string, required: boolean): string {
  const text = raw.replace(/\r\n/g, '\n').trim()
  const problem = text
    ? templateProblem(text)
    : required && 'empty; expected the text sent to the customer'
  if (problem) throw new MessagesError(input, `${input}: ${problem}`)
  return text
}

/** The language key of the message inputs: they are one set for every ticket. */
export const INPUTS_LANGUAGE = 'default'

export function catalogFromInputs(
  texts: Record<'followUpMessage' | 'finalFollowUpMessage' | 'closeMessage', string>,
  macros: Partial<Record<TemplateKind, MacroRef>> = {}
): MessageCatalog {
  const templates: MessageTemplates = {
    followUp: macros.followUp ? '' : texts.followUpMessage,
    finalFollowUp: macros.finalFollowUp ? '' : texts.finalFollowUpMessage,
    close: macros.close ? '' : texts.closeMessage,
    sources: {
      followUp: 'follow-up-message',
      finalFollowUp: 'final-follow-up-message',
      close: 'close-message'
    }
  }
  if (Object.keys(macros).length > 0) templates.macros = macros
  const byLanguage = { [INPUTS_LANGUAGE]: templates }
  return { source: 'inputs', defaultLanguage: INPUTS_LANGUAGE, byLanguage }
}

/**
 * A macro input's value: `12` or `#12` is an id, anything else the macro's exact name. Null when
 * empty.
 */
export function parseMacroRef(input: string, raw: unknown): MacroRef | string | null {
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw > 0
      ? { input, id: raw, name: null }
      : `got ${raw}; expected a macro id such as 12, or a macro's exact name`
  }
  if (typeof raw !== 'string') {
    return `got ${JSON.stringify(raw ?? null)}; expected a macro id such as 12, or a macro's exact name`
  }
  const text = raw.trim()
  if (text === '') return null
  if (/[\r\n]/.test(text) || text.length > 200) {
    return `got ${JSON.stringify(text.slice(0, 60))}; expected one macro id or name on one line (at most 200 characters)`
  }
  if (/^#?\d+$/.test(text)) {
    const id = Number(text.replace('#', ''))
    if (Number.isSafeInteger(id) && id > 0) return { input, id, name: null }
  }
  return { input, id: null, name: text }
}

/** A messages file is a few kilobytes of text; anything near this is a wrong path. */
const MAX_MESSAGES_FILE_BYTES = 256 * 1024

/** `en`, `fr`, `pt-br`, `zh-hant-tw`: a BCP 47 language tag, as Gorgias reports a ticket's. */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i

/** The keys of a language's entry and the text each gives; `<key>-macro` names a macro instead. */
const TEMPLATE_KEYS = {
  'follow-up': 'followUp',
  'final-follow-up': 'finalFollowUp',
  close: 'close'
} as const satisfies Record<string, TemplateKind>
type TemplateKey = keyof typeof TEMPLATE_KEYS
const TEXT_KEYS = Object.keys(TEMPLATE_KEYS)
const KEYS = [...TEXT_KEYS, ...TEXT_KEYS.map(key => `${key}-macro`)]

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
 *     fr: { follow-up-macro: "Follow-up" }
 *
 * Every problem is a MessagesError of `messages-file` naming the file and the key, thrown before
 * any request: a bad text must stop the run, not be sent to customers.
 */
export function loadMessageCatalog(
  path: string,
  read: ReadFile = file => readFileSync(file)
): MessageCatalog {
  const fail: Fail = (where, problem) => {
    throw new MessagesError('messages-file', `messages-file ${path}: ${where}${problem}`)
  }
  const document = parseYaml(readText(path, read, fail), fail)
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const got = document === null ? 'an empty file' : Array.isArray(document) ? 'a list' : 'text'
    return fail('', `got ${got}; ${FORMAT_HINT}`)
  }
  const byLanguage: Record<string, MessageTemplates> = {}
  let defaultLanguage: string | null = null
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    const language = key.toLowerCase()
    if (key === 'default') {
      if (typeof value !== 'string' || !value.trim()) {
        fail(
          'default: ',
          `got ${JSON.stringify(value ?? null)}; expected a language such as "en", used when a ticket's language has no entry`
        )
      }
      defaultLanguage = value.trim().toLowerCase()
    } else if (!LANGUAGE_TAG.test(key)) {
      fail(
        `${key}: `,
        'is not a language tag; expected "default" or a language such as en, fr, de, pt-br'
      )
    } else if (Object.hasOwn(byLanguage, language)) {
      fail(`${key}: `, `is the same language as "${language}" above (keys ignore case)`)
    } else byLanguage[language] = templatesOf(language, value, fail)
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

const NOT_FOUND =
  "not found. The path is relative to the workflow's checkout: run actions/checkout before this action, and check the path and its upper/lower case"
const READ_PROBLEMS: Record<string, string> = {
  ENOENT: NOT_FOUND,
  ENOTDIR: NOT_FOUND,
  EISDIR: 'is a directory; expected a YAML file',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (permission denied)'
}

/** The file's text: read, within the size limit, and UTF-8; anything else fails, saying why. */
function readText(path: string, read: ReadFile, fail: Fail): string {
  let raw: Uint8Array | string
  try {
    raw = read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code ?? ''
    const why = err instanceof Error ? err.message : String(err)
    return fail('', READ_PROBLEMS[code] ?? `cannot be read: ${why}`)
  }
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength
  if (bytes > MAX_MESSAGES_FILE_BYTES) {
    fail('', `is ${bytes} bytes; a messages file is at most ${MAX_MESSAGES_FILE_BYTES} bytes`)
  }
  try {
    return typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    return fail('', 'is not UTF-8 text; save it as UTF-8')
  }
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
    const hint: Partial<Record<string, string>> = {
      TAG_RESOLVE_FAILED: '; YAML tags (!name) are not allowed here',
      DUPLICATE_KEY: '; a key appears twice'
    }
    const why = `${message}${hint[problem.code] ?? ''}`
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
      'expected the texts under it: "follow-up:" (or "follow-up-macro:"), and optionally "final-follow-up:" and "close:"'
    )
  }
  const entry = value as Record<string, unknown>
  const templates: MessageTemplates = { followUp: '', finalFollowUp: '', close: '', sources: {} }
  const macros: Partial<Record<TemplateKind, MacroRef>> = {}
  for (const [key, text] of Object.entries(entry)) {
    const where = `${language}.${key}: `
    if (!KEYS.includes(key)) {
      fail(where, `unknown key; a language has only ${KEYS.join(', ')}`)
    }
    const textKey = key.replace(/-macro$/, '') as TemplateKey
    const field = TEMPLATE_KEYS[textKey]
    if (textKey !== key) {
      if (Object.hasOwn(entry, textKey)) {
        fail(where, `set together with "${textKey}:"; give the text or the macro, not both`)
      }
      const ref = parseMacroRef(`messages-file ${language}.${key}`, text)
      if (typeof ref === 'string') fail(where, ref)
      if (ref === null) {
        fail(where, "empty; expected a macro id such as 12, or a macro's exact name")
      }
      macros[field] = ref
      continue
    }
    if (typeof text !== 'string') {
      const hint = key === 'follow-up' ? '' : ` (leave ${key} out to send none)`
      fail(where, `got ${text === null ? 'nothing' : JSON.stringify(text)}; expected text${hint}`)
    }
    try {
      templates[field] = parseTemplate(`${language}.${key}`, text, key === 'follow-up')
    } catch (err) {
      if (err instanceof MessagesError) fail('', err.message)
      throw err
    }
    templates.sources![field] = `messages-file ${language}.${key}`
  }
  if (!Object.hasOwn(entry, 'follow-up') && !Object.hasOwn(entry, 'follow-up-macro')) {
    fail(`${language}: `, 'has no "follow-up:" (or "follow-up-macro:"); every language needs one')
  }
  if (Object.keys(macros).length > 0) templates.macros = macros
  return templates
}
