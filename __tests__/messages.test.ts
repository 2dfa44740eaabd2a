import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  MessagesError,
  catalogFromInputs,
  loadMessageCatalog,
  type MessageCatalog
} from '../src/messages.js'
import { templatesFor } from '../src/policy/thread.js'

const FILE = '/repo/.github/messages.yml'
const load = (text: string | Uint8Array): MessageCatalog => loadMessageCatalog(FILE, () => text)

/** The MessagesError a file gives, or a failure saying it loaded. */
function refusal(text: string | Uint8Array): MessagesError {
  try {
    load(text)
  } catch (err) {
    if (err instanceof MessagesError) return err
    throw err
  }
  throw new Error(`loaded without an error:\n${String(text)}`)
}

const EN = 'en:\n  follow-up: "Hi {{first_name}}"\n'

/** Every non-empty template of every language. */
const everyTemplate = (catalog: MessageCatalog): string[] =>
  Object.values(catalog.byLanguage).flatMap(t =>
    [t.followUp, t.finalFollowUp, t.close].filter(text => text !== '')
  )

describe('loadMessageCatalog: a good file', () => {
  test('gives each language its templates, keys lower-cased, texts trimmed', () => {
    const catalog = load(
      [
        'default: EN',
        'EN:',
        '  follow-up: |',
        '    Hi {{first_name}},',
        '',
        '    Any news on "{{subject}}"?',
        '  final-follow-up: "Last reminder ({{reminder_number}}/{{reminders_total}})"',
        '  close: "Closed #{{ticket_id}}"',
        'fr-CA:',
        '  follow-up: Allô {{first_name}}',
        'fr: { follow-up: "Bonjour {{ first_name }}", close: "" }'
      ].join('\n')
    )
    expect(catalog).toEqual({
      source: FILE,
      defaultLanguage: 'en',
      byLanguage: {
        en: {
          followUp: 'Hi {{first_name}},\n\nAny news on "{{subject}}"?',
          finalFollowUp: 'Last reminder ({{reminder_number}}/{{reminders_total}})',
          close: 'Closed #{{ticket_id}}',
          sources: {
            followUp: 'messages-file en.follow-up',
            finalFollowUp: 'messages-file en.final-follow-up',
            close: 'messages-file en.close'
          }
        },
        'fr-ca': {
          followUp: 'Allô {{first_name}}',
          finalFollowUp: '',
          close: '',
          sources: { followUp: 'messages-file fr-ca.follow-up' }
        },
        fr: {
          followUp: 'Bonjour {{ first_name }}',
          finalFollowUp: '',
          close: '',
          sources: { followUp: 'messages-file fr.follow-up', close: 'messages-file fr.close' }
        }
      }
    })
  })

  test('YAML 1.2: "no" (Norwegian) is a key, not false; anchors may share an entry', () => {
    const catalog = load('default: no\nno: &no\n  follow-up: Hei\nnb: *no\n')
    expect(Object.keys(catalog.byLanguage)).toEqual(['no', 'nb'])
    expect(catalog.byLanguage.nb?.followUp).toBe('Hei')
  })

  test('reads bytes as UTF-8, with or without a byte-order mark', () => {
    const text = `default: de\nde:\n  follow-up: "Grüße, {{first_name}}"\n`
    expect(load(Buffer.from(text)).byLanguage.de?.followUp).toBe('Grüße, {{first_name}}')
    expect(load(Buffer.from(`\ufeff${text}`)).defaultLanguage).toBe('de')
  })

  test('reads the file from disk by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'messages-'))
    const path = join(dir, 'messages.yml')
    writeFileSync(path, `default: en\n${EN}`)
    expect(loadMessageCatalog(path).byLanguage.en?.followUp).toBe('Hi {{first_name}}')
  })
})

describe('loadMessageCatalog: a bad file names the file, the key and the fix', () => {
  const cases: Array<[string, string | Uint8Array, RegExp]> = [
    ['an empty file', '', /got an empty file; expected a mapping such as "default: en"/],
    ['only a comment', '# texts go here\n', /got an empty file/],
    ['a list', '- en\n- fr\n', /got a list; expected a mapping/],
    ['plain text', 'Hi {{first_name}}', /got text; expected a mapping/],
    [
      'not YAML',
      'default: en\nen: [\n',
      /is not valid YAML at line \d+, column \d+: Flow sequence/
    ],
    [
      'bad indentation',
      'default: en\nen:\n  follow-up: a\n close: b\n',
      /not valid YAML at line 4/
    ],
    ['two documents', `default: en\n${EN}---\nfr: {}\n`, /not valid YAML.*multiple documents/i],
    [
      'a duplicate key',
      `default: en\n${EN}${EN}`,
      /not valid YAML at line 4, column 1: .*unique; a key appears twice/
    ],
    [
      'a duplicate key inside a language',
      'default: en\nen:\n  follow-up: a\n  follow-up: b\n',
      /not valid YAML at line 4.*a key appears twice/
    ],
    [
      'a custom tag',
      'default: en\nen:\n  follow-up: !!js/function "x"\n',
      /not valid YAML at line 3, column 14: .*tag.*YAML tags \(!name\) are not allowed/
    ],
    [
      'a local tag',
      'default: en\nen: !lang\n  follow-up: a\n',
      /YAML tags \(!name\) are not allowed/
    ],
    ['no default', EN, /default: missing; add "default: <language>"/],
    [
      'a default that is not text',
      `default: [en]\n${EN}`,
      /default: got \["en"\]; expected a language/
    ],
    ['an empty default', `default:\n${EN}`, /default: got null; expected a language such as "en"/],
    [
      'a default without an entry',
      `default: fr\n${EN}`,
      /default: names "fr", which has no entry; the file has en/
    ],
    [
      'a default and no languages',
      'default: en\n',
      /default: names "en", which has no entry; the file has none/
    ],
    [
      'a default naming a region only the primary has',
      `default: en-GB\n${EN}`,
      /default: names "en-gb", which has no entry/
    ],
    [
      'a key that is not a language tag',
      `default: en\n${EN}english:\n  follow-up: a\n`,
      /english: is not a language tag; expected "default" or a language such as en, fr/
    ],
    [
      'an underscore tag',
      `default: en\n${EN}fr_CA:\n  follow-up: a\n`,
      /fr_CA: is not a language tag/
    ],
    ['a merge key', `default: en\n${EN}<<: {fr: {follow-up: a}}\n`, /<<: is not a language tag/],
    ['a number as key', `default: en\n${EN}1: {follow-up: a}\n`, /1: is not a language tag/],
    [
      'the same language twice in two cases',
      `default: en\n${EN}EN:\n  follow-up: b\n`,
      /EN: is the same language as "en" above \(keys ignore case\)/
    ],
    [
      'a language that is text',
      'default: en\nen: Hello\n',
      /en: expected the texts under it: "follow-up:"/
    ],
    ['a language that is empty', 'default: en\nen:\n', /en: expected the texts under it/],
    [
      'a language without follow-up',
      'default: en\nen:\n  close: Bye\n',
      /en: has no "follow-up:" \(or "follow-up-macro:"\); every language needs one/
    ],
    [
      'an empty follow-up',
      'default: en\nen:\n  follow-up: "  "\n',
      /en.follow-up: empty; expected the text sent/
    ],
    [
      'a follow-up that is a number',
      'default: en\nen:\n  follow-up: 42\n',
      /en.follow-up: got 42; expected text$/
    ],
    [
      'a follow-up that is a list',
      'default: en\nen:\n  follow-up: [a, b]\n',
      /en.follow-up: got \["a","b"\]; expected text/
    ],
    [
      'a close with nothing after it',
      `default: en\n${EN}  close:\n`,
      /en.close: got nothing; expected text \(leave close out to send none\)/
    ],
    [
      'a final-follow-up that is a boolean',
      `default: en\n${EN}  final-follow-up: false\n`,
      /en.final-follow-up: got false; expected text \(leave final-follow-up out/
    ],
    [
      'an unknown key in a language',
      `default: en\n${EN}  subject: Hello\n`,
      /en.subject: unknown key; a language has only follow-up, final-follow-up, close/
    ],
    [
      'a misspelt key in a language',
      `default: en\n${EN}  followup: hi\n`,
      /en.followup: unknown key/
    ],
    [
      'an unknown placeholder',
      `default: en\n${EN}fr:\n  follow-up: "Bonjour {{prenom}}"\n`,
      /fr.follow-up: unknown placeholder \{\{prenom\}\}; the placeholders are \{\{first_name\}\}/
    ],
    [
      'an unknown placeholder in close',
      `default: en\n${EN}  close: "Bye {{name}}"\n`,
      /en.close: unknown placeholder \{\{name\}\}/
    ],
    [
      'unbalanced braces',
      `default: en\n${EN}de:\n  follow-up: "Hallo {{first_name}"\n`,
      /de.follow-up: has an unbalanced "\{\{" or "\}\}"/
    ],
    [
      'text that is not UTF-8',
      Buffer.from([0xff, 0xfe, 0x64, 0x00]),
      /is not UTF-8 text; save it as UTF-8/
    ],
    [
      'a file over the size limit',
      `default: en\n${EN}# ${'x'.repeat(256 * 1024)}\n`,
      /is \d+ bytes; a messages file is at most 262144 bytes/
    ],
    [
      'an alias bomb',
      [
        'default: en',
        EN.trimEnd(),
        'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'
      ].join('\n'),
      /is not usable YAML: Excessive alias count/
    ]
  ]

  test.each(cases)('%s', (_name, text, expected) => {
    const error = refusal(text)
    expect(error.input).toBe('messages-file')
    expect(error.message.startsWith(`messages-file ${FILE}: `)).toBe(true)
    expect(error.message).toMatch(expected)
  })

  test('a file that is not there says to check out the repository first', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'messages-')), 'nope.yml')
    expect(() => loadMessageCatalog(missing)).toThrow(
      new MessagesError(
        'messages-file',
        `messages-file ${missing}: not found. The path is relative to the workflow's checkout: run actions/checkout before this action, and check the path and its upper/lower case`
      )
    )
  })

  test('a directory, or a file that cannot be read, is said so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'messages-'))
    expect(() => loadMessageCatalog(dir)).toThrow(`messages-file ${dir}: is a directory`)
    const denied = (): never => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
    }
    expect(() => loadMessageCatalog(FILE, denied)).toThrow(
      `messages-file ${FILE}: cannot be read (permission denied)`
    )
  })
})

describe('examples/messages.yml', () => {
  const catalog = loadMessageCatalog(resolve('examples/messages.yml'))

  test('loads, with English as the default', () => {
    expect(catalog.defaultLanguage).toBe('en')
  })

  test.each(['en', 'fr', 'de', 'es'])('%s has a follow-up, a final follow-up and a close', l => {
    const templates = catalog.byLanguage[l]!
    for (const text of [templates.followUp, templates.finalFollowUp, templates.close]) {
      expect(text).toContain('{{first_name}}')
      expect(text).toContain('{{subject}}')
    }
  })

  test('no two languages share a text', () => {
    const texts = everyTemplate(catalog)
    expect(new Set(texts).size).toBe(texts.length)
  })
})

describe('templatesFor: the exact tag, then the primary language, then the default', () => {
  const catalog = load(
    [
      'default: en',
      'en: { follow-up: EN }',
      'fr: { follow-up: FR }',
      'fr-ca: { follow-up: FR-CA }',
      'pt-br: { follow-up: PT-BR }'
    ].join('\n')
  )
  const cases: Array<[unknown, string, string]> = [
    ['fr', 'fr', 'FR'],
    ['FR', 'fr', 'FR'],
    [' fr ', 'fr', 'FR'],
    ['fr-CA', 'fr-ca', 'FR-CA'],
    ['fr_CA', 'fr-ca', 'FR-CA'],
    ['fr-BE', 'fr', 'FR'],
    ['pt-BR', 'pt-br', 'PT-BR'],
    // pt-br is not Portuguese in general: a Portuguese ticket gets the default
    ['pt', 'en', 'EN'],
    ['pt-PT', 'en', 'EN'],
    ['de', 'en', 'EN'],
    ['', 'en', 'EN'],
    [null, 'en', 'EN'],
    [undefined, 'en', 'EN'],
    [42, 'en', 'EN'],
    ['__proto__', 'en', 'EN'],
    ['constructor', 'en', 'EN']
  ]
  test.each(cases)('ticket language %p -> %s', (ticketLanguage, language, followUp) => {
    const chosen = templatesFor(catalog, ticketLanguage)
    expect([chosen.language, chosen.templates.followUp]).toEqual([language, followUp])
  })

  test('the message inputs are one set for every language', () => {
    const inputs = catalogFromInputs({
      followUpMessage: 'Hi',
      finalFollowUpMessage: '',
      closeMessage: 'Bye'
    })
    expect(templatesFor(inputs, 'fr')).toEqual({
      language: 'default',
      templates: expect.objectContaining({ followUp: 'Hi', finalFollowUp: '', close: 'Bye' })
    })
    expect(everyTemplate(inputs)).toEqual(['Hi', 'Bye'])
  })
})
