// The targets input as a workflow author writes it: each entry merged over the top-level inputs,
// and one message per mistake naming the entry and its field.
import { describe, expect, it } from '@jest/globals'
import { Secrets } from '../../src/secrets.js'
import { inputsFrom, problemsOf } from '../support/inputs.js'

const base = { command: 'run', plan: 'rollout.yaml', rollout: 'checkout', namespace: 'shop', context: 'home', 'prometheus-url': 'https://prom.example.com', args: 'app=checkout\nregion=none' }
const read = (values: Record<string, string>, secrets = new Secrets()) => inputsFrom({ ...base, ...values }, secrets)

const problems = (values: Record<string, string>): string[] => problemsOf(() => read(values))

describe('the targets input', () => {
  it('merges each entry over the top-level inputs, its args over theirs', () => {
    const inputs = read({
      targets: `
- name: eu-west
  kube-context: eu-west-1
  prometheus-url: https://prom.eu.example.com
  args: |
    region=eu-west
- name: us-east
  namespace: shop-us
  rollout: checkout-us
  args: { region: us-east, replicas: 3 }
`
    })
    expect(inputs.waves).toBe('first-then-rest')
    const [eu, us] = inputs.targets!
    expect(eu.name).toBe('eu-west')
    expect(eu.inputs).toMatchObject({ kubeContext: 'eu-west-1', namespace: 'shop', rollout: 'checkout', prometheusUrl: 'https://prom.eu.example.com' })
    expect(Object.fromEntries(eu.inputs.args)).toEqual({ app: 'checkout', region: 'eu-west' })
    expect(us.inputs).toMatchObject({ kubeContext: 'home', namespace: 'shop-us', rollout: 'checkout-us', prometheusUrl: 'https://prom.example.com' })
    expect(Object.fromEntries(us.inputs.args)).toEqual({ app: 'checkout', region: 'us-east', replicas: '3' })
    expect(us.inputs.targets).toBeUndefined()
  })

  it('needs no top-level rollout when every entry names one, and takes waves: parallel', () => {
    const inputs = read({ rollout: '', waves: 'parallel', targets: '- name: a\n  rollout: one\n- name: b\n  rollout: two' })
    expect(inputs.waves).toBe('parallel')
    expect(inputs.targets!.map((t) => t.inputs.rollout)).toEqual(['one', 'two'])
  })

  it('names the entry and field of a bad value, checked by the same rules as the top-level input', () => {
    expect(problems({ targets: '- name: eu-west\n- name: us-east\n  kube-context: "--kubeconfig=/x"\n  namespace: Shop_US' })).toEqual([
      'input "targets": entry 2 (us-east): namespace: "Shop_US" is not a valid Kubernetes name (lower-case letters, digits and "-")',
      'input "targets": entry 2 (us-east): kube-context: must be a kubeconfig context name, not an option'
    ])
    expect(problems({ targets: '- name: eu-west\n  args: "region"' })).toEqual(['input "targets": entry 1 (eu-west): args line 1: expected name=value (the line is not shown: it may hold a secret)'])
    expect(problems({ rollout: '', targets: '- name: eu-west' })).toEqual(['input "targets": entry 1 (eu-west): rollout: is required for command run: the name of the Argo Rollout to drive'])
  })

  it('refuses a duplicate name, an unknown field (with a suggestion), an empty list and a bad name', () => {
    expect(problems({ targets: '- name: eu\n- name: eu' })).toEqual(['input "targets": entry 2 (eu): name: "eu" is also the name of entry 1: each target needs its own name'])
    expect(problems({ targets: '- name: eu\n  context: eu-west-1' })).toEqual(['input "targets": entry 1 (eu): context: unknown field (did you mean "kube-context"?)'])
    expect(problems({ targets: '[]' })).toEqual(['input "targets": is an empty list: give one entry per region or cluster, or leave the input out'])
    expect(problems({ targets: 'name: eu' })[0]).toMatch(/^input "targets": must be a YAML list/)
    expect(problems({ targets: '- name: EU West' })).toEqual(['input "targets": entry 1 (EU West): name: must be a Kubernetes label-style name (lower-case letters, digits and "-")'])
    expect(problems({ targets: '- namespace: x' })).toEqual(['input "targets": entry 1: name: is required: a short name for the region or cluster (eu-west)'])
    expect(problems({ targets: '- name: a\n  bad: [' })[0]).toMatch(/^input "targets": line \d+: is not valid YAML/)
    expect(problems({ targets: '- name: a', waves: 'all' })).toEqual(['input "waves": must be one of first-then-rest, parallel, got "all"'])
  })

  it('is for command run: analyze and the commands on one rollout refuse it', () => {
    expect(problems({ command: 'analyze', targets: '- name: a' })).toEqual(['input "targets": is for command run only: command analyze acts on one rollout (run it once per region, e.g. with a matrix)'])
    expect(problems({ command: 'promote', targets: '- name: a' })).toHaveLength(1)
  })

  it('registers the secrets of each entry: a password in its Prometheus address, secret-named args', () => {
    const secrets = new Secrets()
    read({ targets: '- name: eu\n  prometheus-url: https://reader:s3cr3t-pw@prom.eu.example.com\n  args: |\n    api-token=tok-123456\n    region=eu' }, secrets)
    expect(secrets.redact('s3cr3t-pw tok-123456 eu')).toBe('*** *** eu')
  })

  it('never repeats a value in a message: a URL may carry a password', () => {
    const text = problems({ targets: '- name: eu\n  prometheus-url: "ftp://u:pw-998877@x"' }).join('\n')
    expect(text).toContain('input "targets": entry 1 (eu): prometheus-url: must be an http(s) URL')
    expect(text).not.toContain('pw-998877')
  })
})
