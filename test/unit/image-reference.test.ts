import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {identitiesInCommandLine, identityInReference} from '../../src/lib/identity/image-reference.ts'
import {hugeBuildxCommandLine} from '../support/huge-command-line.ts'

const split = (commandLine: string) => commandLine.split(' ')

/** Every client shape of spec/docker-protocol.md's table, with what the helper must find in it. */
const CLIENT_SHAPES: Array<{line: string; host: string; identities: string[]}> = [
  {
    line: 'docker pull atcr.io/alice.bsky.social/app:latest',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker pull --platform linux/arm64 atcr.io/alice.bsky.social/app',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker pull atcr.io/alice.bsky.social/app@sha256:' + 'a'.repeat(64),
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker --config /tmp/cfg pull atcr.io/alice.bsky.social/app',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {line: 'docker push atcr.io/alice.bsky.social/app:v1', host: 'atcr.io', identities: ['alice.bsky.social']},
  {
    line: 'docker run --rm atcr.io/alice.bsky.social/app:v1 echo hi',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {line: 'docker search atcr.io/alice.bsky.social/app', host: 'atcr.io', identities: ['alice.bsky.social']},
  {
    line: 'docker manifest inspect --insecure atcr.io/alice.bsky.social/app:v1',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker trust inspect atcr.io/alice.bsky.social/app:v1',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker plugin install atcr.io/alice.bsky.social/plugin:v1',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker image push atcr.io/alice.bsky.social/app',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker image pull atcr.io/alice.bsky.social/app',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker build -t atcr.io/alice.bsky.social/app .',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker build --tag atcr.io/alice.bsky.social/app .',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker build --tag=atcr.io/alice.bsky.social/app .',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {line: 'docker login atcr.io', host: 'atcr.io', identities: []},
  {line: 'docker logout atcr.io', host: 'atcr.io', identities: []},
  {
    line: 'skopeo inspect --tls-verify=false docker://localhost:5000/alice.bsky.social/app:latest',
    host: 'localhost:5000',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'skopeo copy docker://H.io/alice.bsky.social/x docker://H.io/bob.example.com/y',
    host: 'h.io',
    identities: ['alice.bsky.social', 'bob.example.com'],
  },
  {
    line: 'podman --storage-driver vfs --root /tmp/r pull localhost:5000/alice.bsky.social/app',
    host: 'localhost:5000',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'podman push LOCALNAME localhost:5000/alice.bsky.social/app',
    host: 'localhost:5000',
    identities: ['alice.bsky.social'],
  },
  {line: 'podman build -f Containerfile .', host: 'atcr.io', identities: []},
  {line: 'buildah bud -t localimage .', host: 'atcr.io', identities: []},
  {line: 'docker-compose pull', host: 'atcr.io', identities: []},
  {
    line: 'node /usr/lib/node_modules/@devcontainers/cli/devcontainer.js features publish ./src --registry atcr.io --namespace alice.bsky.social/features',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {line: 'python3 script.py', host: 'atcr.io', identities: []},
  {
    line: 'docker-buildx buildx build -t atcr.io/alice.bsky.social/app --push .',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {line: 'docker pull atcr.io/did:plc:xyz123/app:latest', host: 'atcr.io', identities: ['did:plc:xyz123']},
  {
    line: 'docker pull atcr.io/did:web:example.com/app:latest',
    host: 'atcr.io',
    identities: ['did:web:example.com'],
  },
  {
    line: 'docker pull localhost:5000/did:plc:xyz123/app:v1@sha256:' + 'b'.repeat(64),
    host: 'localhost:5000',
    identities: ['did:plc:xyz123'],
  },
  {line: 'docker pull ATCR.IO/Alice.Bsky.Social/app', host: 'atcr.io', identities: ['Alice.Bsky.Social']},
  {line: 'docker pull atcr.io:443/alice.bsky.social/app', host: 'atcr.io', identities: ['alice.bsky.social']},
  {line: 'docker pull buoy.cr/alice.bsky.social/app', host: 'atcr.io', identities: []},
  {line: 'docker pull atcr.io/library', host: 'atcr.io', identities: []},
  // A value glued to a short flag, as Go's pflag accepts.
  {line: 'docker build -tatcr.io/bob.test/app:1 .', host: 'atcr.io', identities: ['bob.test']},
  {line: 'docker build -t=atcr.io/bob.test/app:1 .', host: 'atcr.io', identities: ['bob.test']},
  // buildx key=value lists.
  {
    line: 'docker-buildx buildx build --output type=image,name=atcr.io/alice.bsky.social/app:1,push=true .',
    host: 'atcr.io',
    identities: ['alice.bsky.social'],
  },
  {
    line: 'docker-buildx buildx build --cache-to=type=registry,ref=atcr.io/bob.test/cache,mode=max -t app .',
    host: 'atcr.io',
    identities: ['bob.test'],
  },
  {
    line: 'docker-buildx buildx build --output "type=image,name=atcr.io/bob.test/app" .',
    host: 'atcr.io',
    identities: ['bob.test'],
  },
  {line: 'docker build -q -t app --build-arg X=atcr.io .', host: 'atcr.io', identities: []},
]

describe('identitiesInCommandLine: every client shape', () => {
  for (const shape of CLIENT_SHAPES) {
    it(`${shape.line} → ${JSON.stringify(shape.identities)} for ${shape.host}`, () => {
      assert.deepEqual(identitiesInCommandLine(split(shape.line), shape.host), shape.identities)
    })
  }

  it('ignores the program name itself', () => {
    assert.deepEqual(identitiesInCommandLine(['atcr.io/alice.bsky.social/app'], 'atcr.io'), [])
  })
})

describe('identityInReference', () => {
  it('needs host/identity/repo', () => {
    assert.equal(identityInReference('atcr.io/alice.bsky.social', 'atcr.io'), undefined)
    assert.equal(identityInReference('atcr.io/alice.bsky.social/', 'atcr.io'), undefined)
    assert.equal(identityInReference('atcr.io/alice.bsky.social/app', 'atcr.io'), 'alice.bsky.social')
  })

  it('rejects segments that are neither handles nor DIDs', () => {
    assert.equal(identityInReference('atcr.io/library/app', 'atcr.io'), undefined)
    assert.equal(identityInReference('atcr.io/did:plc:/app', 'atcr.io'), undefined)
  })
})

describe('identitiesInCommandLine: bounded work', () => {
  it('finds the identity behind four 127 KiB comma lists (its CPU time is reported, not asserted)', (t) => {
    const argv = hugeBuildxCommandLine()
    const before = process.cpuUsage()
    const identities = identitiesInCommandLine(argv, 'atcr.io')
    const {user, system} = process.cpuUsage(before)
    assert.deepEqual(identities, ['alice.bsky.social'])
    // Speed is the bench's to judge: a timed assertion here would measure the machine's load.
    t.diagnostic(`CPU time for four 127 KiB comma lists: ${((user + system) / 1000).toFixed(1)} ms`)
  })

  it('skips an argument longer than any image reference, even one that names an identity', () => {
    const long = `--output=type=image,name=atcr.io/bob.example.com/app,${'x'.repeat(8192)}`
    assert.deepEqual(identitiesInCommandLine(['docker', 'buildx', 'build', long, '.'], 'atcr.io'), [])
    const usual = '--output=type=image,name=atcr.io/bob.example.com/app,push=true'
    assert.deepEqual(identitiesInCommandLine(['docker', 'buildx', 'build', usual, '.'], 'atcr.io'), [
      'bob.example.com',
    ])
  })
})
