/** The checks behind a decision, step by step, for people (explain.ts tells them). */

export const CHECKS = [
  'readable',
  'not-trashed',
  'not-spam',
  'open',
  'not-snoozed',
  'exclude-tags',
  'only-tags',
  'channel',
  'messages-readable',
  'agent-replied',
  'agent-spoke-last',
  'reply-sent',
  'follow-ups-sent',
  'route',
  'customer-address',
  'reminders',
  'not-reopened',
  'due',
  'business-hours'
] as const
export type CheckName = (typeof CHECKS)[number]

/** One step on the way to a decision: what was looked at, and whether it let the ticket through. */
export interface Check {
  check: CheckName
  passed: boolean
  /** what was found, in words, without the customer's data */
  detail: string
  /** the same with the customer's data (an address), for where customer details may be shown */
  customerDetail?: string
}

/** Records one check as it is made: reason() keeps them all; triage() has no use for them. */
export type Note = (
  check: CheckName,
  passed: boolean,
  detail: string,
  customerDetail?: string
) => void
export const unnoted: Note = () => undefined
