/** The Docker credential-helper verbs the helper answers (spec/docker-protocol.md). */
export const PROTOCOL_VERBS = ['get', 'store', 'erase', 'list'] as const
export type ProtocolVerb = (typeof PROTOCOL_VERBS)[number]

export function isProtocolVerb(word: string | undefined): word is ProtocolVerb {
  return (PROTOCOL_VERBS as readonly (string | undefined)[]).includes(word)
}
