// Reads the committed reference values (computed by scripts/fixtures/*.py) for the judges' tests.
import { readFileSync } from 'node:fs'
import path from 'node:path'

const DIR = path.join(process.cwd(), '__tests__', 'fixtures', 'statistics')

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as T
}

/** |a − b| relative to max(|b|, floor): how far apart two reference numbers are. */
export function relativeError(actual: number, expected: number, floor = 1e-300): number {
  if (actual === expected) return 0
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), floor)
}

/** A number for a test name: 3 significant digits, exponent form when small. */
export function short(value: number): string {
  if (value === 0) return '0'
  return Math.abs(value) < 1e-3 ? value.toExponential(1) : String(Number(value.toPrecision(3)))
}
