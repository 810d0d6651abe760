/**
 * The client command line of issue 11's denial of service: `docker buildx build` with four comma lists of
 * just under 128 KiB each (Linux refuses a longer single argument, MAX_ARG_STRLEN), then a tag naming
 * alice on atcr.io.
 */
export function hugeBuildxCommandLine(): string[] {
  const pieces = (key: string) =>
    Array.from({length: 16 * 1024}, (_, index) => `${key}${index}=atcr.io/x${index}/y`).join(',')
  const list = (key: string) => `--output=${pieces(key)}`.slice(0, 127 * 1024)
  return [
    'docker',
    'buildx',
    'build',
    ...['a', 'b', 'c', 'd'].map(list),
    '-t',
    'atcr.io/alice.bsky.social/app',
    '.',
  ]
}
