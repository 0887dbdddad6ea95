// File globs for the plan input: `*` and `?` within one path segment, `**` across segments,
// `[abc]` classes and `{a,b}` alternatives. Small on purpose: plans name a few YAML files.
import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

const SPECIAL = /[*?[\]{}]/

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|\\]/g, '\\$&')
}

/** The pattern (with `/` separators, relative) as a regular expression over relative paths. */
export function globToRegExp(pattern: string): RegExp {
  // `**/**/` means what `**/` means, and nested repetitions would backtrack badly on long paths.
  pattern = pattern.replace(/(?:\*\*\/){2,}/g, '**/')
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/'
        out += slash ? '(?:[^/]+/)*' : '.*'
        i += slash ? 2 : 1
      } else out += '[^/]*'
    } else if (c === '?') out += '[^/]'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end < 0) out += '\\['
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')
        out += `[${body}]`
        i = end
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1)
      if (end < 0) out += '\\{'
      else {
        out += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map((part) => globToRegExp(part).source.slice(1, -1))
          .join('|')})`
        i = end
      }
    } else out += escapeRegExp(c)
  }
  return new RegExp(`^${out}$`)
}

async function walk(dir: string, depth: number, out: string[], seen: Set<string>): Promise<void> {
  if (depth > 32) return
  let entries
  try {
    // A directory reached twice through symbolic links is read once: links can make cycles.
    const real = await realpath(dir)
    if (seen.has(real)) return
    seen.add(real)
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const entry of entries) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue
    const full = path.join(dir, entry.name)
    let isDirectory = entry.isDirectory()
    let isFile = entry.isFile()
    if (entry.isSymbolicLink()) {
      // Kustomize overlays link shared files: a linked plan file is a plan file.
      const target = await stat(full).catch(() => undefined)
      isDirectory = target?.isDirectory() ?? false
      isFile = target?.isFile() ?? false
    }
    if (isDirectory) await walk(full, depth + 1, out, seen)
    else if (isFile) out.push(full)
  }
}

/** Absolute paths of the files matching `pattern` (relative to `cwd`, or absolute), sorted. */
export async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const absolute = path.resolve(cwd, pattern).split(path.sep).join('/')
  const parts = absolute.split('/')
  const firstSpecial = parts.findIndex((part) => SPECIAL.test(part))
  if (firstSpecial < 0) return [absolute]
  const base = parts.slice(0, firstSpecial).join('/') || '/'
  const matcher = globToRegExp(parts.slice(firstSpecial).join('/'))
  const files: string[] = []
  await walk(base, 0, files, new Set())
  return files.filter((file) => matcher.test(path.relative(base, file).split(path.sep).join('/'))).sort()
}
