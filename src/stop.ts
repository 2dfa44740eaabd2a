import type { Settings } from './config.js'
import { SettingsError } from './inputs.js'
import { AuthError } from './gorgias/errors.js'
import { PolicyModuleError } from './policyModule.js'
import { credentialsHelp } from './secrets.js'

/**
 * The one way a run that could not finish is shown, for the action and the CLI alike: the message
 * for the person who must act, and the exit code (2: the settings or the credentials need fixing;
 * 1: anything else, worth a retry or a bug report).
 */
export interface StopNotice {
  message: string
  exitCode: 1 | 2
}

export function stopNotice(err: unknown, settings: Settings | null): StopNotice {
  if (err instanceof SettingsError || err instanceof PolicyModuleError) {
    return { message: err.message, exitCode: 2 }
  }
  if (err instanceof AuthError && settings) {
    return { message: credentialsHelp(err, settings), exitCode: 2 }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { message, exitCode: 1 }
}
