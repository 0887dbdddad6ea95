// Regular expressions for `matches` (and Argo's dryRun metricName patterns): Go's RE2 syntax through
// re2js, as Argo evaluates them. RE2 runs in time linear in the text, so a pattern such as
// `^(a+)+$` cannot stall the gate past its timeout the way a backtracking engine does.
import { RE2JS } from 're2js'

// Conditions are evaluated again for every measurement; compile each pattern once.
const CACHE_LIMIT = 256
const cache = new Map<string, RE2JS>()

/** The pattern compiled, or why Go's RE2 refuses it (a backreference, a lookahead, a bad escape). */
export function compileRegex(pattern: string): { regex: RE2JS } | { problem: string } {
  const cached = cache.get(pattern)
  if (cached) return { regex: cached }
  let regex: RE2JS
  try {
    regex = RE2JS.compile(pattern)
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) }
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(pattern, regex)
  return { regex }
}

/** What to tell a user whose pattern RE2 refused. */
export const RE2_HINT = "patterns use Go's RE2 syntax, as in Argo: no backreferences (\\1) or lookarounds ((?=…), (?!…))"
