import { describe, expect, test } from '@jest/globals'
import { composeClose, composeFollowUp, templateValues } from '../src/compose.js'
import type { Ticket, User } from '../src/gorgias/types.js'
import type { MessageTemplates } from '../src/messages.js'
import type { Route } from '../src/policy/types.js'
import { renderTemplate, templateProblem } from '../src/variables.js'

/** Gorgias's macro variables and this action's placeholders: what is accepted, what is sent. */

const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: 4711,
  status: 'open',
  channel: 'email',
  subject: 'Where is my parcel?',
  customer: { id: 9, email: 'ana@example.com', firstname: 'Ana', lastname: 'Silva' },
  assignee_user: { id: 2, email: 'maria@shop.test', name: 'Maria Lopez' },
  language: 'fr',
  ...over
})
const me: User = { id: 1, email: 'bot@shop.test', firstname: 'Alex', lastname: 'Agent' }
const values = (t: Ticket = ticket(), user: User | null = me) => templateValues(t, 1, 2, user)

describe('renderTemplate: every variable, filled from the ticket and the API user', () => {
  const cases: Array<[string, string, string]> = [
    ['customer first name', 'Hi {{ticket.customer.firstname}},', 'Hi Ana,'],
    ['spaces inside the braces', 'Hi {{  ticket.customer.firstname  }}!', 'Hi Ana!'],
    ['last name', '{{ticket.customer.lastname}}', 'Silva'],
    ['full name from first and last', '{{ticket.customer.name}}', 'Ana Silva'],
    ['email', '{{ticket.customer.email}}', 'ana@example.com'],
    ['subject', '"{{ticket.subject}}"', '"Where is my parcel?"'],
    ['id', '#{{ticket.id}}', '#4711'],
    ['assignee first name from the name', '{{ticket.assignee_user.firstname}}', 'Maria'],
    ['assignee name', '{{ticket.assignee_user.name}}', 'Maria Lopez'],
    ['API user first name', '{{current_user.firstname}}', 'Alex'],
    ['API user last name', '{{current_user.lastname}}', 'Agent'],
    ['API user name', '{{current_user.name}}', 'Alex Agent'],
    ['API user email', '{{current_user.email}}', 'bot@shop.test'],
    ['old placeholders still work', '{{first_name}} {{ticket_id}} {{reminder_number}}/{{reminders_total}}', 'Ana 4711 1/2'], // prettier-ignore
    ['a default, double quotes, unused', '{{ticket.customer.firstname | default: "you"}}', 'Ana'],
    ['a default without spaces', '{{ticket.customer.firstname|default:"you"}}', 'Ana']
  ]
  test.each(cases)('%s', (_name, template, sent) => {
    expect(templateProblem(template)).toBeNull()
    expect(renderTemplate(template, values())).toBe(sent)
  })
})

describe('renderTemplate: empty values, defaults, and what customers typed', () => {
  const noNames = ticket({ customer: { id: 9, email: 'x@example.com' }, assignee_user: null })
  const cases: Array<[string, Ticket, string, string, boolean?]> = [
    ['a default when empty', noNames, 'Hi {{ticket.customer.firstname | default: "there"}}!', 'Hi there!'], // prettier-ignore
    ['single quotes', noNames, "{{ticket.assignee_user.firstname | default: 'The Support Team'}}", 'The Support Team'], // prettier-ignore
    ['empty renders empty, and the space before a comma goes', noNames, 'Hi {{ticket.customer.firstname}}, thanks', 'Hi, thanks'], // prettier-ignore
    ['empty at the end', noNames, 'Thanks {{ticket.assignee_user.name}}', 'Thanks '],
    ['a first name from the customer name', ticket({ customer: { id: 9, name: 'Zoë  Martin' } }), '{{ticket.customer.firstname}}', 'Zoë'], // prettier-ignore
    ['a name holding a variable is sent as typed, never filled', ticket({ customer: { id: 9, firstname: '{{current_user.email}}' } }), 'Hi {{ticket.customer.firstname}}', 'Hi {{current_user.email}}'], // prettier-ignore
    ['a name with line breaks is one line', ticket({ customer: { id: 9, firstname: 'Ana\n\nDear customer,\r\nclick' } }), 'Hi {{ticket.customer.firstname}},', 'Hi Ana Dear customer, click,'], // prettier-ignore
    ['a subject with control characters', ticket({ subject: 'Re\u0007fund\u202E' }), '{{ticket.subject}}', 'Refund'], // prettier-ignore
    ['<script> in text stays text (body_text is not HTML)', ticket({ customer: { id: 9, firstname: '<script>x</script>' } }), '{{ticket.customer.firstname}}', '<script>x</script>'], // prettier-ignore
    ['<script> in HTML is escaped', ticket({ customer: { id: 9, firstname: '<script>x</script>' } }), '<p>{{ticket.customer.firstname}}</p>', '<p>&lt;script&gt;x&lt;/script&gt;</p>', true], // prettier-ignore
    ['quotes and ampersands in HTML', ticket({ subject: 'Tom & "Jerry"' }), '<p>{{ticket.subject}}</p>', '<p>Tom &amp; &quot;Jerry&quot;</p>', true], // prettier-ignore
    ['an HTML default is the macro\'s own HTML', noNames, '<p>{{ticket.customer.firstname | default: &quot;<b>you</b>&quot;}}</p>', '<p><b>you</b></p>', true], // prettier-ignore
    ['a long name is cut', ticket({ customer: { id: 9, firstname: 'A'.repeat(500) } }), '{{ticket.customer.firstname}}', `${'A'.repeat(59)}…`] // prettier-ignore
  ]
  test.each(cases)('%s', (_name, t, template, sent, html = false) => {
    expect(templateProblem(template, html)).toBeNull()
    expect(renderTemplate(template, values(t), html)).toBe(sent)
  })

  test('without the API user, current_user renders empty (or its default)', () => {
    const v = values(ticket(), null)
    expect(renderTemplate('{{current_user.firstname | default: "Support"}}', v)).toBe('Support')
  })
})

describe('templateProblem: what cannot be filled is refused, naming it', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['integration data', 'Order {{ticket.customer.integrations.shopify.orders[0].name}}', /unknown placeholder \{\{ticket\.customer\.integrations\.shopify\.orders\[0\]\.name\}\}/], // prettier-ignore
    ['a misspelt variable', '{{ticket.customer.fristname}}', /unknown placeholder \{\{ticket\.customer\.fristname\}\}/], // prettier-ignore
    ['an unknown variable with a default', '{{ticket.customer.phone | default: "x"}}', /unknown placeholder \{\{ticket\.customer\.phone\}\}/], // prettier-ignore
    ['another filter', '{{ticket.created_datetime | datetime_format("MMM Do YY")}}', /unknown placeholder/], // prettier-ignore
    ['another filter on a known variable', '{{ticket.subject | upcase}}', /unsupported filter "upcase" on \{\{ticket\.subject\}\}/], // prettier-ignore
    ['a default without quotes', '{{ticket.subject | default: there}}', /unsupported filter "default"/], // prettier-ignore
    ['unbalanced braces', 'Hi {{ticket.customer.firstname', /unbalanced/],
    ['a Liquid tag', '{% if ticket.customer.firstname %}Hi{% endif %}', /Liquid tag/]
  ]
  test.each(cases)('%s', (_name, template, problem) => {
    expect(templateProblem(template)).toMatch(problem)
  })
})

describe('templateProblem in HTML: braces an editor encoded still reach the customer raw', () => {
  test.each([
    '<p>Hi &#123;&#123;ticket.customer.firstname&#125;&#125;</p>',
    '<p>Hi &lbrace;&lbrace;first_name&rbrace;&rbrace;</p>',
    '<p>Hi &#x7B;{first_name}&#x7d;</p>',
    '<p>Hi {&#123;first_name&#125;&#125;</p>'
  ])('%s', template => {
    expect(templateProblem(template, true)).toMatch(/encoded/)
    expect(templateProblem('<p>a &#123; b &#125; {{first_name}}</p>', true)).toBeNull()
  })
})

describe('templateProblem on a huge template: linear time (a macro body is not ours)', () => {
  test.each([
    ['unclosed {{', '{{'.repeat(100_000), /unbalanced/],
    ['unclosed {%', `x${'{% '.repeat(100_000)}`, null],
    ['{{ before a tag', `{{${'{% '.repeat(100_000)}%}`, /unbalanced/]
  ])('%s', (_what, template, problem) => {
    for (const html of [false, true]) {
      if (problem) expect(templateProblem(template, html)).toMatch(problem)
      else expect(templateProblem(template, html)).toBeNull()
    }
  })
})

describe('compose: a message says where its text comes from, and sends a macro HTML as it is', () => {
  const route: Route = {
    channel: 'email',
    sourceType: 'email',
    from: { address: 'support@shop.test' },
    integrationId: null,
    subject: null,
    customer: { address: 'ana@example.com', receiver: { id: 9 } }
  }
  const templates: MessageTemplates = {
    followUp: 'Bonjour {{ticket.customer.firstname}}, {{current_user.firstname}}',
    finalFollowUp: '',
    close: 'Au revoir {{first_name}}',
    html: { followUp: '<p>Bonjour <b>{{ticket.customer.firstname}}</b></p>' },
    sources: { followUp: 'macro "Follow-up" (#13, fr)', close: 'close-message' }
  }
  const hostile = ticket({ customer: { id: 9, firstname: '<img src=x onerror=alert(1)>' } })

  test('follow-up from a macro', () => {
    const m = composeFollowUp(hostile, route, 1, 1, 'mark', { email: 'b@x' }, templates, me)
    expect(m.source).toBe('macro "Follow-up" (#13, fr)')
    expect(m.body.body_text).toBe('Bonjour <img src=x onerror=alert(1)>, Alex')
    expect(m.body.body_html).toBe('<p>Bonjour <b>&lt;img src=x onerror=alert(1)&gt;</b></p>')
  })

  test('close from an input: the HTML is built from the text', () => {
    const m = composeClose(ticket(), route, 1, 'mark', { email: 'b@x' }, templates, me)
    expect(m.source).toBe('close-message')
    expect(m.body.body_html).toBe('<p>Au revoir Ana</p>')
  })
})
