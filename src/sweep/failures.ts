import {
  AmbiguousWriteError,
  AuthError,
  DeadlineError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  TransientError,
  ValidationError
} from '../gorgias/errors.js'

/**
 * A failure as a fixed code, for the audit file: server text can quote the customer (a 400 that
 * repeats their address, name and subject), so the file that is kept names the kind of failure
 * only. The report's `detail` keeps the words for the summary, which redacts them.
 */
export type FailureCode =
  | 'credentials-rejected'
  | 'not-found'
  | 'refused-by-gorgias'
  | 'gorgias-unavailable'
  | 'unexpected-answer'
  | 'send-not-confirmed'
  | 'time-limit'
  | 'policy-module'
  | 'http-error'
  | 'internal-error'
  | 'error'

export function failureCode(err: unknown): FailureCode {
  const cause =
    err instanceof Error && !(err instanceof GorgiasError) && err.cause instanceof Error
      ? err.cause
      : err
  if (cause instanceof AuthError) return 'credentials-rejected'
  if (cause instanceof NotFoundError) return 'not-found'
  if (cause instanceof ValidationError) return 'refused-by-gorgias'
  if (cause instanceof TransientError) return 'gorgias-unavailable'
  if (cause instanceof MalformedResponseError) return 'unexpected-answer'
  if (cause instanceof AmbiguousWriteError) return 'send-not-confirmed'
  if (cause instanceof DeadlineError) return 'time-limit'
  if (cause instanceof GorgiasError) return 'http-error'
  return 'error'
}
