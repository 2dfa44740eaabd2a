/**
 * The `max-actions` budget as one object. A slot is taken before a ticket is read (it may turn out
 * due) and given back when the ticket needed no follow-up or close. While every slot is used or in
 * flight, a ticket waits; a slot given back is handed straight to the oldest reply waiting (lowest
 * `order`), never to whoever happens to ask next. Once every slot is used and none is in flight,
 * the answer is no: the ticket is deferred to the next run.
 */
export class ActionSlots {
  #used = 0
  #inFlight = 0
  readonly #waiting: Array<{ order: number; answer: (granted: boolean) => void }> = []

  constructor(readonly max: number) {}

  /** Resolves true with a slot held, or false when the budget is spent. */
  acquire(order: number): Promise<boolean> {
    return new Promise(answer => {
      this.#waiting.push({ order, answer })
      this.#waiting.sort((a, b) => a.order - b.order)
      this.#settle()
    })
  }

  /** `used`: the slot went to a follow-up or a close (whatever its result). */
  release(used: boolean): void {
    if (this.#inFlight === 0) throw new Error('ActionSlots.release without acquire')
    this.#inFlight--
    if (used) this.#used++
    this.#settle()
  }

  get used(): number {
    return this.#used
  }

  get inFlight(): number {
    return this.#inFlight
  }

  #settle(): void {
    while (this.#waiting.length > 0 && this.#used + this.#inFlight < this.max) {
      this.#inFlight++
      this.#waiting.shift()!.answer(true)
    }
    if (this.#inFlight === 0 && this.#used >= this.max) {
      for (const waiter of this.#waiting.splice(0)) waiter.answer(false)
    }
  }
}
