import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The bundle as the runner runs it, run after run while the simulator's clock moves on and people
 * change tickets between runs.
 */

let sim: GorgiasSimulator
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

const schedule = {
  'follow-up-hours': '24,48',
  'close-hours': '72',
  'final-follow-up-message': 'Last call {{first_name}}: we close this soon unless you reply.'
}

describe('a ticket closed by hand between reminders and reopened by a person', () => {
  test('gets no further reminder and is never closed by this action', async () => {
    const reopened = dueTicket(sim, 30)
    const untouched = dueTicket(sim, 30)
    expect((await runAction(simInputs(sim, schedule))).code).toBe(0)
    expect(ours(sim, reopened.id)).toHaveLength(1)
    // An agent closes it by hand, then reopens it without writing a word.
    sim.setTicket(reopened.id, { status: 'closed', closed_datetime: new Date().toISOString() })
    sim.age(2)
    sim.setTicket(reopened.id, { status: 'open' })
    sim.age(28)
    const second = await runAction(simInputs(sim, schedule))
    expect(second.code).toBe(0)
    expect(ours(sim, untouched.id)).toHaveLength(2)
    expect(ours(sim, reopened.id)).toHaveLength(1)
    sim.age(48)
    expect((await runAction(simInputs(sim, schedule))).code).toBe(0)
    expect(sim.ticket(untouched.id)!.status).toBe('closed')
    expect(sim.ticket(reopened.id)!.status).toBe('open')
    expect(ours(sim, reopened.id)).toHaveLength(1)
  })
})
