import { describe, expect, test } from '@jest/globals'
import { ActionSlots } from '../src/sweep/slots.js'

/** The max-actions budget, without HTTP or timers: who gets a slot, and in which order. */

const settle = () => new Promise<void>(resolve => setImmediate(resolve))

describe('ActionSlots', () => {
  test('grants up to max at once, then says no once every slot is used', async () => {
    const slots = new ActionSlots(2)
    expect(await slots.acquire(0)).toBe(true)
    expect(await slots.acquire(1)).toBe(true)
    slots.release(true)
    slots.release(true)
    expect(await slots.acquire(2)).toBe(false)
    expect(slots.used).toBe(2)
  })

  test('a slot given back (nothing was due) goes to the oldest waiting reply, not to a later asker', async () => {
    const slots = new ActionSlots(1)
    const granted: number[] = []
    expect(await slots.acquire(0)).toBe(true)
    const waits = [3, 1, 2].map(order =>
      slots.acquire(order).then(ok => {
        if (ok) granted.push(order)
        return ok
      })
    )
    await settle()
    expect(granted).toEqual([])
    slots.release(false)
    // Someone asking right after the release must not jump the queue.
    const late = slots.acquire(9)
    await settle()
    expect(granted).toEqual([1])
    slots.release(false)
    await settle()
    expect(granted).toEqual([1, 2])
    slots.release(true)
    expect(await Promise.all(waits)).toEqual([false, true, true])
    expect(await late).toBe(false)
  })

  test('waiters are told no only when nothing is in flight any more', async () => {
    const slots = new ActionSlots(2)
    await slots.acquire(0)
    await slots.acquire(1)
    let answer: boolean | undefined
    void slots.acquire(2).then(ok => (answer = ok))
    slots.release(true)
    await settle()
    expect(answer).toBeUndefined()
    slots.release(true)
    await settle()
    expect(answer).toBe(false)
  })

  test('release without acquire is a bug, said loudly', () => {
    expect(() => new ActionSlots(1).release(false)).toThrow('without acquire')
  })
})
