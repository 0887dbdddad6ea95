// pushgateway-url and region as a workflow author writes them, and which gates push.
import { describe, expect, it } from '@jest/globals'
import { systemClock } from '../../src/clock.js'
import { memoryLogger } from '../../src/log.js'
import { metricsReporting } from '../../src/metrics/pushgateway.js'
import { Secrets } from '../../src/secrets.js'
import { inputsFrom, problemsOf } from '../support/inputs.js'

const read = (values: Record<string, string>, secrets = new Secrets()) => inputsFrom(values, secrets)

const problems = (values: Record<string, string>): string[] => problemsOf(() => read(values))

describe('pushgateway-url and region', () => {
  it('reads the address and the region; the password in the address is a secret from the start', () => {
    const secrets = new Secrets()
    const inputs = read({ rollout: 'vote', 'pushgateway-url': 'https://gate:s3cr3t-push@push.example.com/gw', region: 'eu-west-1' }, secrets)
    expect(inputs).toMatchObject({ pushgatewayUrl: 'https://gate:s3cr3t-push@push.example.com/gw', region: 'eu-west-1' })
    expect(secrets.redact('token s3cr3t-push')).not.toContain('s3cr3t-push')
  })

  it('names each mistake without repeating the address', () => {
    expect(problems({ rollout: 'vote', 'pushgateway-url': 'ftp://gate:s3cr3t@host' })).toEqual(['input "pushgateway-url": must be an http(s) URL'])
    expect(problems({ rollout: 'vote', region: 'eu\nwest' })).toEqual(['input "region": must be one line of at most 128 characters (it labels the pushed series)'])
    expect(problems({ command: 'analyze', 'pushgateway-url': 'http://push:9091' })).toEqual([
      'input "pushgateway-url": needs the input "rollout" with command analyze: the pushed series and their Pushgateway group are named by rollout and namespace'
    ])
  })

  it('run and analyze push; promote, abort, retry and status do not (they decide no verdict); no address, no pusher', () => {
    const pusherFor = (values: Record<string, string>) => metricsReporting(read(values), systemClock, new Secrets(), memoryLogger())
    const url = 'http://push:9091'
    expect(pusherFor({ rollout: 'vote', 'pushgateway-url': url })).toBeDefined()
    expect(pusherFor({ command: 'analyze', rollout: 'vote', 'pushgateway-url': url })).toBeDefined()
    expect(pusherFor({ 'target-kind': 'deployment', deployment: 'podinfo', 'pushgateway-url': url })).toBeDefined()
    for (const command of ['promote', 'abort', 'retry', 'status']) expect(pusherFor({ command, rollout: 'vote', 'pushgateway-url': url })).toBeUndefined()
    expect(pusherFor({ rollout: 'vote' })).toBeUndefined()
    // A password that is not valid percent-encoding is sent as written, not a crash of the gate.
    expect(pusherFor({ rollout: 'vote', 'pushgateway-url': 'http://gate:50%zz@push:9091' })).toBeDefined()
  })
})
