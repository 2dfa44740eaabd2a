/**
 * Why a ticket is left alone: one reason per skip, from a small closed set, counted in the report
 * and told in words by the report and the explanation of a ticket.
 */

export const SKIP_REASONS = [
  'not-open',
  'trashed',
  'spam',
  'snoozed',
  'excluded-tag',
  'not-in-only-tags',
  'channel-not-handled',
  'no-customer-address',
  'customer-replied',
  'no-agent-reply',
  'reply-failed',
  'not-due',
  'reopened',
  'outside-business-hours',
  'unreadable',
  'not-found',
  'policy-module'
] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** Each skip reason in words, for the report and the explanation of a ticket. */
export const SKIP_LABELS: Record<SkipReason, string> = {
  'not-open': 'not open (closed)',
  trashed: 'in the trash',
  spam: 'marked as spam',
  snoozed: 'snoozed by an agent',
  'excluded-tag': 'has an excluded tag',
  'not-in-only-tags': 'lacks every only-tags tag',
  'channel-not-handled': 'channel not handled',
  'no-customer-address': "no usable address of the ticket's customer on that channel",
  'customer-replied': 'customer spoke last',
  'no-agent-reply': 'no public agent reply yet',
  'reply-failed': "agent's last reply failed to send",
  'not-due': 'not due yet',
  reopened: 'reopened by a person after an automatic close',
  'outside-business-hours': 'due, waiting for business hours',
  unreadable: 'unreadable data (left alone)',
  'not-found': 'deleted or merged meanwhile',
  'policy-module': 'vetoed by the policy module'
}
