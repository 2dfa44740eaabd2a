import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse as load } from 'yaml'
import { parseSettings } from '../src/config.js'
import { DEFAULTS, SettingsError, type InputName } from '../src/inputs.js'
import { apiUrlWarning } from '../src/run.js'

const base: Partial<Record<InputName, string>> = {
  'gorgias-domain': 'acme',
  'gorgias-email': 'bot@acme.test',
  'gorgias-api-key': 'secret-key'
}
/** Any messages-file named reads as this one. */
const MESSAGES_FILE = 'default: en\nen:\n  follow-up: Hi {{first_name}}\n'
const parse = (inputs: Partial<Record<InputName, string>>, env: Record<string, string> = {}) =>
  parseSettings(name => ({ ...base, ...inputs })[name] ?? '', {
    env,
    workspace: '/repo',
    readFile: () => MESSAGES_FILE
  })

describe('defaults', () => {
  test('action.yml declares every input with the same default as the code', () => {
    const action = load(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string; description?: string }>
      outputs: Record<string, { description?: string }>
    }
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(DEFAULTS).sort())
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect([name, spec.default ?? '']).toEqual([name, DEFAULTS[name as InputName]])
      expect(spec.description).toBeTruthy()
    }
    for (const spec of Object.values(action.outputs)) expect(spec.description).toBeTruthy()
  })

  test('the defaults give the documented settings', () => {
    const s = parse({})
    expect(s).toMatchObject({
      apiUrl: 'https://acme.gorgias.com/api',
      followUpHours: [48],
      closeHours: 72,
      excludeTags: ['vip', 'escalated', 'priority'],
      onlyTags: [],
      channels: ['email'],
      followUpTag: 'auto-close-sent',
      closedTag: 'auto-closed',
      closeMessage: '',
      dryRun: false,
      maxActions: 100,
      viewId: null,
      businessHours: null,
      policyModule: null
    })
    expect(s.followUpMessage).toContain('{{first_name}}')
  })

  test('credentials fall back to the environment when the input is empty', () => {
    const s = parseSettings(() => '', {
      env: { GORGIAS_DOMAIN: 'shop', GORGIAS_EMAIL: 'a@shop.test', GORGIAS_API_KEY: 'k' }
    })
    expect([s.domain, s.email, s.apiKey]).toEqual(['shop', 'a@shop.test', 'k'])
  })

  test('lists take commas or newlines and ignore case and blanks', () => {
    const s = parse({
      'exclude-tags': 'VIP,\n escalated \n\n,Legal',
      'follow-up-hours': '24, 72',
      'close-hours': '96'
    })
    expect(s.excludeTags).toEqual(['vip', 'escalated', 'legal'])
    expect(s.followUpHours).toEqual([24, 72])
  })

  test('loopback http is accepted for local testing; a relative policy module resolves in the workspace', () => {
    expect(parse({ 'api-url': 'http://127.0.0.1:8080/api/' }).apiUrl).toBe(
      'http://127.0.0.1:8080/api'
    )
    expect(parse({ 'api-url': 'http://localhost:9/api' }).apiUrl).toBe('http://localhost:9/api')
    expect(parse({ 'policy-module': 'policies/skip.mjs' }).policyModule).toBe(
      '/repo/policies/skip.mjs'
    )
  })
})

/** Every bad input tried, the input its error must name, and a phrase the message must contain. */
const BAD_INPUTS: Array<[string, Partial<Record<InputName, string>>, string, string]> = [
  ['non-numeric hours', { 'follow-up-hours': 'two days' }, 'follow-up-hours', 'positive number'],
  ['negative hours', { 'follow-up-hours': '-5' }, 'follow-up-hours', 'positive number'],
  ['zero hours', { 'follow-up-hours': '0' }, 'follow-up-hours', 'positive number'],
  ['fractional nonsense', { 'follow-up-hours': '1.5.2' }, 'follow-up-hours', 'positive number'],
  ['hours with a unit', { 'close-hours': '72h' }, 'close-hours', 'positive number'],
  ['NaN', { 'close-hours': 'NaN' }, 'close-hours', 'positive number'],
  ['Infinity', { 'close-hours': 'Infinity' }, 'close-hours', 'positive number'],
  [
    'close before follow-up',
    { 'follow-up-hours': '48', 'close-hours': '24' },
    'close-hours',
    'more than follow-up-hours'
  ],
  [
    'close equal to follow-up',
    { 'follow-up-hours': '48', 'close-hours': '48' },
    'close-hours',
    'more than'
  ],
  [
    'descending reminders',
    { 'follow-up-hours': '72,24', 'close-hours': '96' },
    'follow-up-hours',
    'ascending'
  ],
  [
    'empty reminder in list',
    { 'follow-up-hours': '24,,72', 'close-hours': '96' },
    'follow-up-hours',
    'ascending'
  ],
  ['max-actions zero', { 'max-actions': '0' }, 'max-actions', 'whole number'],
  ['max-actions fractional', { 'max-actions': '2.5' }, 'max-actions', 'whole number'],
  ['max-actions negative', { 'max-actions': '-1' }, 'max-actions', 'whole number'],
  ['unknown channel', { channels: 'email,fax' }, 'channels', '"fax"'],
  ['unanswerable channel', { channels: 'facebook' }, 'channels', 'can answer only'],
  [
    'domain with .gorgias.com',
    { 'gorgias-domain': 'acme.gorgias.com' },
    'gorgias-domain',
    'Use just "acme"'
  ],
  [
    'domain as URL',
    { 'gorgias-domain': 'https://acme.gorgias.com' },
    'gorgias-domain',
    'bare subdomain'
  ],
  ['domain with a path', { 'gorgias-domain': 'acme/x' }, 'gorgias-domain', 'bare subdomain'],
  ['domain with spaces', { 'gorgias-domain': 'ac me' }, 'gorgias-domain', 'bare subdomain'],
  ['missing domain', { 'gorgias-domain': '' }, 'gorgias-domain', 'GORGIAS_DOMAIN'],
  ['missing email', { 'gorgias-email': '' }, 'gorgias-email', 'GORGIAS_EMAIL'],
  ['bad email', { 'gorgias-email': 'bot' }, 'gorgias-email', 'email address'],
  ['missing api key', { 'gorgias-api-key': '' }, 'gorgias-api-key', 'secrets.GORGIAS_API_KEY'],
  ['plain http api-url', { 'api-url': 'http://acme.gorgias.com/api' }, 'api-url', 'https://'],
  ['http to a private host', { 'api-url': 'http://10.0.0.5/api' }, 'api-url', 'loopback'],
  ['api-url not a URL', { 'api-url': 'acme' }, 'api-url', 'expected a URL'],
  ['api-url with a query', { 'api-url': 'https://acme.gorgias.com/api?x=1' }, 'api-url', 'query'],
  [
    'api-url with an empty query',
    { 'api-url': 'https://acme.gorgias.com/api?' },
    'api-url',
    'query'
  ],
  [
    'api-url with an empty fragment',
    { 'api-url': 'https://acme.gorgias.com/api#' },
    'api-url',
    'query'
  ],
  [
    'api-url with credentials',
    { 'api-url': 'https://u:p@acme.gorgias.com/api' },
    'api-url',
    'credentials'
  ],
  ['dry-run yes', { 'dry-run': 'yes' }, 'dry-run', 'true or false'],
  ['unknown placeholder', { 'follow-up-message': 'Hi {{name}}' }, 'follow-up-message', '{{name}}'],
  [
    'unbalanced braces',
    { 'follow-up-message': 'Hi {{first_name}' },
    'follow-up-message',
    'unbalanced'
  ],
  [
    'unknown placeholder in close message',
    { 'close-message': 'Bye {{customer}}' },
    'close-message',
    '{{customer}}'
  ],
  ['view-id not a number', { 'view-id': 'open-tickets' }, 'view-id', 'whole number'],
  ['follow-up tag excluded', { 'follow-up-tag': 'vip' }, 'follow-up-tag', 'exclude-tags'],
  ['same two tags', { 'closed-tag': 'auto-close-sent' }, 'closed-tag', 'different'],
  [
    'bad time zone',
    { 'business-hours': 'Mon-Fri 09:00-18:00', timezone: 'Europe/Pariss' },
    'timezone',
    'IANA'
  ],
  [
    'business hours unreadable',
    { 'business-hours': 'weekdays' },
    'business-hours',
    'business-hours'
  ],
  [
    'holiday not a date',
    { 'business-hours': 'Mon-Fri 09:00-18:00', holidays: '2026-02-30' },
    'holidays',
    'holidays'
  ],
  ['holidays without business hours', { holidays: '2026-12-25' }, 'holidays', 'business-hours'],
  ['rate-limit-share zero', { 'rate-limit-share': '0' }, 'rate-limit-share', 'above 0'],
  ['rate-limit-share above 1', { 'rate-limit-share': '1.5' }, 'rate-limit-share', 'at most 1'],
  ['rate-limit-share a percentage', { 'rate-limit-share': '50%' }, 'rate-limit-share', '0.5'],
  ['rate-limit-share negative', { 'rate-limit-share': '-0.5' }, 'rate-limit-share', 'fraction'],
  ['rate-limit-share not a number', { 'rate-limit-share': 'half' }, 'rate-limit-share', 'fraction'],
  ['time-limit-minutes zero', { 'time-limit-minutes': '0' }, 'time-limit-minutes', 'above 0'],
  ['time-limit-minutes past 6 h', { 'time-limit-minutes': '400' }, 'time-limit-minutes', '360'],
  ['time-limit-minutes words', { 'time-limit-minutes': '20m' }, 'time-limit-minutes', 'minutes'],
  [
    'summary-customer-details not a boolean',
    { 'summary-customer-details': 'no' },
    'summary-customer-details',
    'true or false'
  ],
  ['ticket-ids not a number', { 'ticket-ids': '12, abc' }, 'ticket-ids', '"abc"'],
  ['ticket-ids zero', { 'ticket-ids': '0' }, 'ticket-ids', 'ticket ids'],
  [
    'ticket-ids too many',
    { 'ticket-ids': Array.from({ length: 101 }, (_, i) => i + 1).join(',') },
    'ticket-ids',
    'at most 100'
  ],
  [
    'messages-file with a follow-up-message',
    { 'messages-file': 'messages.yml', 'follow-up-message': 'Hi {{first_name}}' },
    'follow-up-message',
    'messages-file'
  ],
  [
    'messages-file with a close-message',
    { 'messages-file': 'messages.yml', 'close-message': 'Bye' },
    'close-message',
    'one place'
  ],
  [
    'state-file the same file as report-file',
    { 'report-file': 'out/run.json', 'state-file': './out/../out/run.json' },
    'state-file',
    'report-file'
  ],
  [
    'report-file over the messages file',
    { 'messages-file': 'messages.yml', 'report-file': '/repo/messages.yml' },
    'report-file',
    'messages-file'
  ],
  [
    'state-file over the policy module',
    { 'policy-module': 'policy.mjs', 'state-file': 'policy.mjs' },
    'state-file',
    'policy-module'
  ]
]

describe('inputs of this round', () => {
  test('defaults: half the bucket, 20 minutes, details shown, the whole sweep, no files', () => {
    expect(parse({})).toMatchObject({
      rateLimitShare: 0.5,
      timeLimitMinutes: 20,
      summaryCustomerDetails: true,
      messagesFile: null,
      ticketIds: null,
      reportFile: null
    })
    expect(apiUrlWarning(parse({}))).toBeNull()
  })

  test('ticket ids take commas, spaces and a leading #, once each', () => {
    expect(parse({ 'ticket-ids': '#12, 34 12\n56' }).ticketIds).toEqual([12, 34, 56])
  })

  test('paths resolve in the workspace', () => {
    const s = parse({ 'messages-file': 'ops/messages.yml', 'report-file': 'out/audit.jsonl' })
    expect([s.messagesFile, s.reportFile]).toEqual([
      '/repo/ops/messages.yml',
      '/repo/out/audit.jsonl'
    ])
  })

  test('messages-file with the message inputs at their defaults is fine', () => {
    expect(
      parse({ 'messages-file': 'm.yml', 'follow-up-message': DEFAULTS['follow-up-message'] })
        .messagesFile
    ).toBe('/repo/m.yml')
  })

  test.each([
    ['https://acme.gorgias.com/api', null],
    ['http://127.0.0.1:8080/api', null],
    ['https://acme.gorgias.co/api', 'acme.gorgias.co'],
    ['https://other.gorgias.com/api', 'other.gorgias.com']
  ])('api-url %s warns about the host: %s', (url, host) => {
    const warning = apiUrlWarning(parse({ 'api-url': url }))
    if (host === null) expect(warning).toBeNull()
    else expect(warning).toContain(`api-url points at ${host}, not acme.gorgias.com`)
  })
})

describe('bad input is refused with the input name, what it got and what it takes', () => {
  test.each(BAD_INPUTS)('%s', (_name, inputs, input, phrase) => {
    let error: unknown
    try {
      parse(inputs)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SettingsError)
    const e = error as SettingsError
    expect(e.input).toBe(input)
    expect(e.message.startsWith(`${input}:`)).toBe(true)
    expect(e.message).toContain(phrase)
    expect(e.message).not.toContain('secret-key')
  })
})

describe('numbers: one parser, each input its own words', () => {
  const refusal = (input: InputName, value: string): string => {
    try {
      parse({ [input]: value })
    } catch (err) {
      if (err instanceof SettingsError && err.input === input) return err.message
      throw err
    }
    throw new Error(`${input}: ${value} was taken`)
  }

  test.each([
    [
      'follow-up-hours',
      '1e3',
      'follow-up-hours: got "1e3"; expected a positive number of hours such as 48 (decimals like 1.5 are fine, at most 43920)'
    ],
    [
      'close-hours',
      '.5',
      'close-hours: got ".5"; expected a positive number of hours such as 48 (decimals like 1.5 are fine, at most 43920)'
    ],
    [
      'close-hours',
      '43921',
      'close-hours: got "43921"; expected a positive number of hours such as 48 (decimals like 1.5 are fine, at most 43920)'
    ],
    [
      'max-actions',
      '9007199254740993',
      'max-actions: got "9007199254740993"; expected a whole number of at least 1, such as 100'
    ],
    ['view-id', '0x1f', 'view-id: got "0x1f"; expected a whole number of at least 1, such as 100'],
    [
      'rate-limit-share',
      '1.01',
      'rate-limit-share: got "1.01"; expected a fraction above 0 and at most 1, such as 0.5 (half of the account\'s API rate limit, leaving the rest to the store\'s other apps)'
    ],
    [
      'time-limit-minutes',
      '5.',
      'time-limit-minutes: got "5."; expected minutes above 0 and at most 360, such as 20 (keep it under the job\'s timeout-minutes)'
    ]
  ] as Array<[InputName, string, string]>)('%s %s: %s', (input, value, message) => {
    expect(refusal(input, value)).toBe(message)
  })

  test('what each takes: hours and minutes decimals, a share from its point, counts whole', () => {
    expect(parse({ 'follow-up-hours': ' 1.5 ', 'close-hours': '43920' })).toMatchObject({
      followUpHours: [1.5],
      closeHours: 43920
    })
    expect(
      parse({ 'rate-limit-share': '.25', 'time-limit-minutes': '.5', 'max-actions': '007' })
    ).toMatchObject({ rateLimitShare: 0.25, timeLimitMinutes: 0.5, maxActions: 7 })
    expect(parse({ 'rate-limit-share': '1', 'time-limit-minutes': '360' })).toMatchObject({
      rateLimitShare: 1,
      timeLimitMinutes: 360
    })
    expect(parse({ 'view-id': ' 42 ' }).viewId).toBe(42)
  })
})

describe("the state file's fingerprint hashes the settings as written", () => {
  const ORDER = [
    'domain',
    'email',
    'apiKey',
    'apiUrl',
    'followUpHours',
    'closeHours',
    'excludeTags',
    'onlyTags',
    'followUpTag',
    'closedTag',
    'channels',
    'followUpMessage',
    'finalFollowUpMessage',
    'closeMessage',
    'messagesFile',
    'messages',
    'dryRun',
    'maxActions',
    'viewId',
    'businessHours',
    'accountBusinessHours',
    'policyModule',
    'rateLimitShare',
    'timeLimitMinutes',
    'summaryCustomerDetails',
    'ticketIds',
    'reportFile',
    'checkOnly',
    'stateFile'
  ]

  test('in this order, with the inputs or a messages file: a new order forgets every state', () => {
    expect(Object.keys(parse({}))).toEqual(ORDER)
    expect(Object.keys(parse({ 'messages-file': 'm.yml' }))).toEqual(ORDER)
  })
})

describe('the messages file is read with the inputs, in one pass', () => {
  const withFile = (text: string) =>
    parseSettings(name => ({ ...base, 'messages-file': 'm.yml' })[name as string] ?? '', {
      workspace: '/repo',
      readFile: path => {
        expect(path).toBe('/repo/m.yml')
        return text
      }
    })

  test('its catalog is the settings’ texts', () => {
    const s = withFile('default: fr\nfr:\n  follow-up: Bonjour {{first_name}}\n')
    expect(s.messages).toMatchObject({
      source: '/repo/m.yml',
      defaultLanguage: 'fr',
      byLanguage: { fr: { followUp: 'Bonjour {{first_name}}' } }
    })
  })

  test('a bad file is a SettingsError of messages-file, naming the file and the key', () => {
    let error: unknown
    try {
      withFile('default: en\nen:\n  follow-up: Hi {{name}}\n')
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).input).toBe('messages-file')
    expect((error as SettingsError).message).toMatch(
      /^messages-file \/repo\/m\.yml: en\.follow-up: /
    )
  })

  test('a bad input is named before the file is read', () => {
    let read = false
    expect(() =>
      parseSettings(
        name => ({ ...base, 'messages-file': 'm.yml', 'max-actions': '0' })[name as string] ?? '',
        {
          workspace: '/repo',
          readFile: () => {
            read = true
            return ''
          }
        }
      )
    ).toThrow('max-actions: got "0"')
    expect(read).toBe(false)
  })
})
