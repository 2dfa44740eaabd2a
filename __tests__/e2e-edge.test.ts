import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The bundle at the documented API's edges: what a customer gets from a macro is what the dry run
 * showed, and a placeholder the customer would see raw is refused before any write.
 */

let sim: GorgiasSimulator
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

const plain = (summary: string): string => summary.replace(/\\(.)/g, '$1')
const reply = (body_text: string, body_html: string) => [
  { name: 'setResponseText', arguments: { body_text, body_html } }
]
const customer = { customer: { firstname: 'Ana', email: 'ana@example.com' } }

describe('a macro whose body_text and body_html differ', () => {
  test('the dry run shows, and the customer gets, the words of the HTML', async () => {
    const actions = reply('Old words, {{first_name}}.', '<p>New words, <b>{{first_name}}</b>.</p>')
    sim.setMacro({ id: 40, name: 'Both', language: 'en', actions })
    const ticket = dueTicket(sim, 50, { language: 'en', ...customer })
    const dry = await runAction(simInputs(sim, { 'follow-up-macro': '40', 'dry-run': 'true' }))
    expect(dry.code).toBe(0)
    expect(plain(dry.summary)).toContain('New words, Ana.')
    expect(plain(dry.summary)).not.toContain('Old words')
    const real = await runAction(simInputs(sim, { 'follow-up-macro': '40' }))
    expect(real.code).toBe(0)
    const [sent] = ours(sim, ticket.id)
    expect(sent!.body_text).toBe('New words, Ana.')
    expect(sent!.body_html).toBe('<p>New words, <b>Ana</b>.</p>')
  })

  test('a placeholder the HTML editor encoded stops the run before any write', async () => {
    const actions = reply('Hi {{first_name}}', '<p>Hi &#123;&#123;first_name&#125;&#125;</p>')
    sim.setMacro({ id: 41, name: 'Encoded', language: 'en', actions })
    dueTicket(sim, 50, { language: 'en', ...customer })
    const run = await runAction(simInputs(sim, { 'follow-up-macro': '41' }))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::follow-up-macro: macro "Encoded" \(#41, en\) body_html: has an HTML-encoded "\{\{"/) // prettier-ignore
    expect(sim.writes()).toHaveLength(0)
  })
})
