import type { Settings } from '../config.js'
import type { GorgiasClient } from '../gorgias/client.js'
import { composeClose, composeFollowUp, followUpKind } from '../compose.js'
import { AmbiguousWriteError, ValidationError } from '../gorgias/errors.js'
import type { Message, NewMessage, Ticket } from '../gorgias/types.js'
import { isOurs, messageTime, templatesFor } from '../policy/thread.js'
import { tagRemoval, type ActionDecision, type Decision } from '../policy/types.js'

/**
 * The write steps, the only code that changes a ticket: each follows a decision on the read just
 * before it, writes in a fixed order, and says what had landed when a later step fails.
 */

/** The writes' part of the client: the re-read of an unconfirmed post, and the writes. */
export type WriteClient = Pick<
  GorgiasClient,
  | 'readTicket'
  | 'createMessage'
  | 'closeTicket'
  | 'addTags'
  | 'removeTags'
  | 'tagByName'
  | 'knownTagId'
>
type WriteContext = { client: WriteClient; settings: Settings }
type DecisionOf<K extends Decision['kind']> = Extract<Decision, { kind: K }>

/** A write sequence that failed after at least one of its writes landed. */
export class PartialWrite extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
    /** the step that matters to the customer (message sent, ticket closed) had landed */
    readonly effective: boolean
  ) {
    super(message)
  }
}

/** A post whose outcome is unknown and could not be checked: it may have gone, so never deferred. */
export class UnconfirmedPost extends Error {
  constructor(
    message: string,
    override readonly cause: AmbiguousWriteError,
    /** why the ticket could not be read again */
    readonly reread: unknown
  ) {
    super(message)
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Runs steps in order; an error after the first one says what was already done. */
class Steps {
  readonly #done: string[] = []
  #effective = false

  /** `doing` reads "<doing> failed", `did` reads as done, e.g. "follow-up sent". */
  async run<T>(doing: string, did: string, step: () => Promise<T>, main = false): Promise<T> {
    let result: T
    try {
      result = await step()
    } catch (err) {
      if (this.#done.length === 0) throw err
      const message = `${this.#done.join(', ')}; ${doing} failed: ${errorText(err)}`
      throw new PartialWrite(message, err, this.#effective)
    }
    this.#done.push(did)
    this.#effective ||= main
    return result
  }
}

/** Returns when the follow-up counts from: the created message's time on the server, or null. */
export async function followUp(
  ctx: WriteContext,
  ticket: Ticket,
  d: DecisionOf<'follow-up'>
): Promise<Date | null> {
  const tag = ctx.settings.followUpTag
  const steps = new Steps()
  // Stale tags of an earlier cycle go first: were the run to stop after the message, a leftover
  // closed-tag would make the next run take the ticket for a reopened one.
  if (d.staleTags.length > 0 || d.staleNamesWithoutId.length > 0) {
    await steps.run('removing old tags', 'old tags removed', () =>
      ctx.client.removeTags(ticket.id, tagRemoval(d.staleTags, d.staleNamesWithoutId))
    )
  }
  const { body } = composeMessage(ctx.settings, ticket, d)!
  const send = () => post(ctx, ticket, body)
  const sent = await steps.run('sending the follow-up', 'follow-up sent', send, true)
  await steps.run(`adding ${tag}`, `${tag} added`, () => addTag(ctx, ticket.id, tag))
  return messageTime(sent) ?? null
}

export async function close(ctx: WriteContext, ticket: Ticket, d: DecisionOf<'close'>) {
  const tag = ctx.settings.closedTag
  const steps = new Steps()
  const message = composeMessage(ctx.settings, ticket, d)
  if (message) {
    const send = () => post(ctx, ticket, message.body)
    await steps.run('sending the close message', 'close message sent', send)
  }
  // Close, then tag: the closed-tag on an open ticket then means a person reopened it.
  const closing = () => ctx.client.closeTicket(ticket.id)
  await steps.run('closing the ticket', 'ticket closed', closing, true)
  await steps.run(`adding ${tag}`, `${tag} added`, () => addTag(ctx, ticket.id, tag))
}

/** Which of this action's messages a body is, for previews. */
export type MessageKind = 'follow-up' | 'final-follow-up' | 'close-message'
type Composed = { body: NewMessage; kind: MessageKind; language: string; source: string }

/**
 * The message a decision sends in the ticket's language, or null (a close without one): the one
 * composition used to send it and to show it (dry run, explanation): what is shown is what is sent.
 */
export function composeMessage(
  settings: Pick<Settings, 'email' | 'messages' | 'followUpHours'>,
  ticket: Ticket,
  d: ActionDecision
): Composed | null {
  const { templates, language } = templatesFor(settings.messages, ticket.language)
  const user = settings.messages.currentUser ?? null
  if (d.kind === 'follow-up') {
    const { reminder, reminders } = d
    const composed = composeFollowUp(
      ticket,
      d.route,
      reminder,
      reminders,
      d.marker,
      settings,
      templates,
      user
    )
    const final = followUpKind(templates, reminder, reminders) === 'finalFollowUp'
    return { ...composed, kind: final ? 'final-follow-up' : 'follow-up', language }
  }
  if (!d.postMessage || templates.close === '') return null
  const reminders = settings.followUpHours.length
  const composed = composeClose(ticket, d.route, reminders, d.marker, settings, templates, user)
  return { ...composed, kind: 'close-message', language }
}

/** A follow-up landed but the run that sent it stopped before tagging: the tag only. */
export async function addFollowUpTag(ctx: WriteContext, ticket: Ticket): Promise<string> {
  await addTag(ctx, ticket.id, ctx.settings.followUpTag)
  return `added ${ctx.settings.followUpTag} (follow-up already sent)`
}

/** This action's tags no longer tell the truth: they go, and only they. */
export async function removeOurTags(ctx: WriteContext, ticket: Ticket, d: DecisionOf<'untag'>) {
  const names = [...d.tags.map(t => t.name), ...d.namesWithoutId]
  if (names.length === 0) return 'nothing left to remove'
  await ctx.client.removeTags(ticket.id, tagRemoval(d.tags, d.namesWithoutId))
  return `removed ${names.join(', ')} (${d.because})`
}

async function addTag(ctx: WriteContext, ticketId: number, name: string): Promise<void> {
  // Adding by id is what connectors do: the id is used when a ticket listed or read showed it.
  let id = ctx.client.knownTagId(name)
  if (id === undefined) {
    try {
      await ctx.client.addTags(ticketId, { names: [name] })
      return
    } catch (err) {
      // `names` is documented less firmly than `ids`: an API that refuses it gets the id.
      if (!(err instanceof ValidationError)) throw err
      id = (await ctx.client.tagByName(name)).id
    }
  }
  await ctx.client.addTags(ticketId, { ids: [id] })
}

/**
 * Posts a marked message. When its outcome is unknown (a timeout, a reset, a 5xx: the server may
 * still be writing it), the ticket is read again and the marker looked for; if it is not there it
 * is NOT sent again in this run: the next run reads the ticket afresh and finds it or sends it.
 */
async function post(ctx: WriteContext, ticket: Ticket, body: NewMessage): Promise<Message> {
  try {
    return await ctx.client.createMessage(ticket.id, body)
  } catch (err) {
    if (!(err instanceof AmbiguousWriteError)) throw err
    let messages: Message[]
    try {
      ;({ messages } = await ctx.client.readTicket(ticket.id))
    } catch (readErr) {
      const message = `message not confirmed (${err.reason.replace(/-/g, ' ')}), and the ticket could not be read again to look for it: ${errorText(readErr)}; not sent again in this run, the next run checks the ticket first`
      throw new UnconfirmedPost(message, err, readErr)
    }
    // Only a message from the company can be ours (isOurs): a customer's never confirms a post.
    const found = messages.find(m => isOurs(m) && m.external_id === body.external_id)
    if (found) return found
    throw new Error(
      `message not confirmed (${err.message}); not sent again in this run, the next run checks the ticket first`,
      { cause: err }
    )
  }
}
