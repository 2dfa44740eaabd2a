import { describe, expect, test } from '@jest/globals'
import { resolve } from 'node:path'
import { composeClose, composeFollowUp } from '../src/compose.js'
import type { Ticket } from '../src/gorgias/types.js'
import { loadMessageCatalog, type MessageTemplates } from '../src/messages.js'
import { templatesFor } from '../src/policy/thread.js'
import type { Route } from '../src/policy/types.js'

const followUpBody = (...args: Parameters<typeof composeFollowUp>) => composeFollowUp(...args).body
const closeBody = (...args: Parameters<typeof composeClose>) => composeClose(...args).body

/** Which text goes out, and with which values; the route itself is replyAlong's business. */

const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: 4711,
  status: 'open',
  channel: 'email',
  subject: 'Where is my parcel?',
  customer: { id: 9, email: 'ana@example.com', firstname: 'Ana' },
  language: 'fr',
  ...over
})
const route: Route = {
  channel: 'email',
  sourceType: 'email',
  from: { address: 'support@shop.test' },
  integrationId: null,
  subject: null,
  customer: { address: 'ana@example.com', receiver: { id: 9 } }
}
const settings = { email: 'agent@shop.test' }
const templates: MessageTemplates = {
  followUp: 'Reminder {{reminder_number}}/{{reminders_total}} for {{first_name}}',
  finalFollowUp: 'Last call on "{{subject}}" (#{{ticket_id}})',
  close: 'Closed after {{reminder_number}} reminders, {{first_name}}'
}

describe('followUpBody: the text comes from the templates passed', () => {
  const cases: Array<[string, number, number, MessageTemplates, string]> = [
    ['a single reminder is not the "final" one', 1, 1, templates, 'Reminder 1/1 for Ana'],
    ['the first of two', 1, 2, templates, 'Reminder 1/2 for Ana'],
    ['the last of two', 2, 2, templates, 'Last call on "Where is my parcel?" (#4711)'],
    ['the middle of three', 2, 3, templates, 'Reminder 2/3 for Ana'],
    [
      'the last, without a final text',
      3,
      3,
      { ...templates, finalFollowUp: '' },
      'Reminder 3/3 for Ana'
    ]
  ]
  test.each(cases)('%s', (_name, reminder, reminders, chosen, text) => {
    const body = followUpBody(ticket(), route, reminder, reminders, 'mark', settings, chosen)
    expect(body.body_text).toBe(text)
    expect(body.external_id).toBe('mark')
    expect(body.sender).toEqual({ email: 'agent@shop.test' })
  })

  test('the HTML is the same text, escaped, a paragraph per blank line', () => {
    const body = followUpBody(ticket({ subject: '<b>' }), route, 2, 2, 'm', settings, {
      ...templates,
      finalFollowUp: 'Hi {{first_name}},\n\nAbout {{subject}}\nThanks'
    })
    expect(body.body_html).toBe('<p>Hi Ana,</p><p>About &lt;b&gt;<br>Thanks</p>')
  })
})

describe('closeBody', () => {
  test('renders the close template with the number of reminders', () => {
    const body = closeBody(ticket(), route, 2, 'close-mark', settings, templates)
    expect(body.body_text).toBe('Closed after 2 reminders, Ana')
    expect(body.external_id).toBe('close-mark')
  })
})

describe('each customer in their language (examples/messages.yml)', () => {
  const catalog = loadMessageCatalog(resolve('examples/messages.yml'))
  const sent = (language: string | null, reminder = 1, reminders = 1): string => {
    const t = ticket({ language })
    return followUpBody(
      t,
      route,
      reminder,
      reminders,
      'm',
      settings,
      templatesFor(catalog, t.language).templates
    ).body_text
  }

  test.each([
    [
      'fr',
      /^Bonjour Ana,\n\nNous revenons vers vous au sujet de votre demande « Where is my parcel\? »/
    ],
    ['fr-CA', /^Bonjour Ana,/],
    [
      'de',
      /^Hallo Ana,\n\nwir wollten uns noch einmal zu Ihrer Anfrage „Where is my parcel\?“ melden/
    ],
    ['es', /^Hola, Ana:/],
    ['en', /^Hi Ana,/],
    ['it', /^Hi Ana,/],
    [null, /^Hi Ana,/]
  ])('a ticket in %p', (language, expected) => {
    expect(sent(language)).toMatch(expected)
  })

  test('the last of several reminders and the close use their own texts', () => {
    expect(sent('de', 2, 2)).toMatch(/werden wir sie in Kürze schließen/)
    const t = ticket({ language: 'es' })
    const close = closeBody(t, route, 2, 'm', settings, templatesFor(catalog, t.language).templates)
    expect(close.body_text).toMatch(/hemos cerrado esta conversación sobre «Where is my parcel\?»/)
  })

  test('no placeholder is left unrendered', () => {
    for (const language of Object.keys(catalog.byLanguage)) {
      const chosen = catalog.byLanguage[language]!
      for (const body of [
        followUpBody(ticket(), route, 1, 2, 'm', settings, chosen),
        followUpBody(ticket(), route, 2, 2, 'm', settings, chosen),
        closeBody(ticket(), route, 2, 'm', settings, chosen)
      ]) {
        expect(body.body_text).not.toMatch(/\{\{|\}\}/)
      }
    }
  })
})

describe('customer text in what is sent is one plain line', () => {
  const hello: MessageTemplates = {
    followUp: 'Hi {{first_name}}, about "{{subject}}"',
    finalFollowUp: '',
    close: ''
  }

  test('a name with line breaks and escapes cannot add paragraphs or controls to the email', () => {
    const body = followUpBody(
      ticket({
        customer: { id: 9, email: 'ana@example.com', firstname: 'Ana\n\nClick http://x\u001b[31m' }
      }),
      route,
      1,
      1,
      'm',
      settings,
      hello
    )
    expect(body.body_text).toBe('Hi Ana Click http://x[31m, about "Where is my parcel?"')
    expect(body.body_html).not.toContain('<br>')
  })

  test('a subject with CR/LF cannot add a header line; a huge one is cut', () => {
    const injected = followUpBody(
      ticket({ subject: 'Order\r\nBcc: all@evil.test' }),
      route,
      1,
      1,
      'm',
      settings,
      hello
    )
    expect(injected.subject).toBe('Re: Order Bcc: all@evil.test')
    const huge = followUpBody(
      ticket({ subject: 'x'.repeat(5000) }),
      route,
      1,
      1,
      'm',
      settings,
      hello
    )
    expect(huge.subject!.length).toBeLessThanOrEqual(210)
    expect(huge.body_text.length).toBeLessThan(300)
  })
})
