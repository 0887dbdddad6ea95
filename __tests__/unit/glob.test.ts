import { describe, expect, it } from '@jest/globals'
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { globFiles, globToRegExp } from '../../src/plan/glob.js'

describe('plan globs', () => {
  it('matches within and across path segments', () => {
    expect(globToRegExp('k8s/*.yaml').test('k8s/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/*.yaml').test('k8s/qa/a.yaml')).toBe(false)
    expect(globToRegExp('k8s/**/*.yaml').test('k8s/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/**/*.yaml').test('k8s/overlays/qa/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/{qa,prod}/*.y?ml').test('k8s/prod/x.yaml')).toBe(true)
    expect(globToRegExp('k8s/{qa,prod}/*.y?ml').test('k8s/dev/x.yml')).toBe(false)
    expect(globToRegExp('[ab].yaml').test('b.yaml')).toBe(true)
    expect(globToRegExp('a.yaml').test('aXyaml')).toBe(false)
  })

  it('finds files on disk, sorted, without wandering into .git or node_modules', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-glob-'))
    for (const file of ['k8s/qa/b.yaml', 'k8s/qa/a.yaml', 'k8s/prod/c.yaml', 'node_modules/x/d.yaml', 'k8s/qa/notes.txt']) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
      await writeFile(path.join(dir, file), '')
    }
    const found = await globFiles('**/*.yaml', dir)
    expect(found.map((f) => path.relative(dir, f))).toEqual(['k8s/prod/c.yaml', 'k8s/qa/a.yaml', 'k8s/qa/b.yaml'])
  })
})
