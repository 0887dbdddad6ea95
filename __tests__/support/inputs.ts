// The inputs as the runner passes them (INPUT_* values by name), read once, and the configuration
// problems a reading raises, as the log shows them.
import { ConfigError, formatIssue } from '../../src/config-error.js'
import { readInputs, type Inputs } from '../../src/inputs.js'
import { Secrets } from '../../src/secrets.js'

export const inputsFrom = (values: Record<string, string>, secrets = new Secrets()): Inputs => readInputs((name) => values[name] ?? '', secrets)

/** The problems `read` raises, one line each; none when it reads cleanly. */
export function problemsOf(read: () => unknown): string[] {
  try {
    read()
    return []
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue)
    throw error
  }
}
