/**
 * A tiny OCI image made on the spot, so the rig needs no network: an `oci:` image layout directory with
 * one layer (a single text file), its config blob and its manifest. skopeo, podman and buildah all read
 * it through the `oci:<dir>:<tag>` transport.
 */
import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {gzipSync} from 'node:zlib'

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** One regular file in a POSIX ustar archive, deterministic (owner 0, mtime 0). */
export function tarWithOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  const field = (value: string, offset: number, length: number) =>
    header.write(value, offset, length, 'ascii')
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0')
  field(name, 0, 100)
  field(octal(0o644, 8), 100, 8) // mode
  field(octal(0, 8), 108, 8) // uid
  field(octal(0, 8), 116, 8) // gid
  field(octal(content.length, 12), 124, 12) // size
  field(octal(0, 12), 136, 12) // mtime
  field('        ', 148, 8) // checksum placeholder: spaces while summing
  field('0', 156, 1) // regular file
  field('ustar\u000000', 257, 8)
  let checksum = 0
  for (const byte of header) checksum += byte
  field(`${octal(checksum, 7)}\u0000 `, 148, 8)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

export interface OciLayout {
  /** `oci:<dir>:<tag>`, ready for skopeo/podman/buildah. */
  reference: string
  directory: string
  tag: string
  manifestDigest: string
}

export function writeOciLayout(directory: string, options: {tag?: string; text?: string} = {}): OciLayout {
  const tag = options.tag ?? 'latest'
  const blobs = path.join(directory, 'blobs', 'sha256')
  mkdirSync(blobs, {recursive: true})
  const writeBlob = (data: Buffer | string) => {
    const digest = sha256(data)
    writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), data)
    return {digest, size: Buffer.byteLength(data)}
  }

  const layerTar = tarWithOneFile('hello.txt', Buffer.from(options.text ?? 'hello from the atcr e2e rig\n'))
  const layer = writeBlob(gzipSync(layerTar))
  const config = writeBlob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {Cmd: ['/hello.txt']},
      rootfs: {type: 'layers', diff_ids: [sha256(layerTar)]},
      history: [{created_by: 'atcr e2e rig'}],
    }),
  )
  const manifest = writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config},
      layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer}],
    }),
  )
  writeFileSync(path.join(directory, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}))
  writeFileSync(
    path.join(directory, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: {'org.opencontainers.image.ref.name': tag},
        },
      ],
    }),
  )
  return {reference: `oci:${directory}:${tag}`, directory, tag, manifestDigest: manifest.digest}
}
