/**
 * What to do with one ticket: a pure function of the ticket, its messages, the settings and the
 * clock. No I/O here, so every situation is tested as a table (see __tests__/policy.test.ts).
 *
 * State lives in Gorgias itself, nowhere else: this action's own messages carry a marker in
 * `external_id` ("feel free to set it as you wish",
 * https://developers.gorgias.com/reference/ticket-messages), and tags mirror what the markers say
 * for humans. A "cycle" starts at the agent's last public reply; every
 * marked follow-up after it belongs to that cycle, and a customer or agent message restarts it.
 * Should Gorgias ever drop `external_id`, this action's messages are still known by who sent them
 * and their text (see recognisedAs in policy/ownMessages.ts), so a follow-up never passes for the
 * agent's reply.
 *
 * This file is the policy's one door: everything else imports it, and it only re-exports. Inside
 * policy/, one concern a module:
 * - decide.ts: triage() (a list item alone), decide() and reason() (the ticket and its messages)
 * - decision.ts: Decision and PolicySettings, the skip and untag decisions
 * - ticket.ts: the checks of the ticket itself (fields, trash, spam, status, snooze, tags, channel)
 * - thread.ts: the public thread in order, Rule auto-replies left out, where the cycle starts;
 *   the timeline explain.ts shows
 * - ownMessages.ts: this action's own messages, by marker or by sender and text
 * - route.ts: how this action's messages go out, and the customer as their one recipient
 * - schedule.ts: the cycle's timing: the next follow-up or the close, and when it is due
 * - tags.ts: this action's tags on a ticket, and the body that removes them
 * - message.ts, time.ts: one message (readable, public, its time); timestamps and elapsed time
 * - checks.ts, skipReasons.ts: the checks and the skip reasons, with their words
 */

export { CHECKS, type Check, type CheckName } from './policy/checks.js'
export { decide, reason, triage, type Reasoning } from './policy/decide.js'
export {
  type ActionDecision,
  type Cycle,
  type Decision,
  type PolicySettings,
  type Triage
} from './policy/decision.js'
export { messageTime } from './policy/message.js'
export { closeMarker, followUpMarker, isOurs, MARKER_PREFIX } from './policy/ownMessages.js'
export type { Recipient, Route } from './policy/route.js'
export {
  dueTime,
  earliestAfterFollowUp,
  whenDue,
  type Due,
  type Schedule
} from './policy/schedule.js'
export { SKIP_LABELS, SKIP_REASONS, type SkipReason } from './policy/skipReasons.js'
export { findTag, tagRemoval } from './policy/tags.js'
export { unmarkedOwnMessages, type MessageRole, type TimelineMessage } from './policy/thread.js'
export { parseTimestamp } from './policy/time.js'
