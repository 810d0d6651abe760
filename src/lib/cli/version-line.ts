/** The one version line: `version`, `--version`, `-v` and the root help's VERSION section all print it. */

export interface VersionInfo {
  name: string
  version: string
  /** Without the leading `v`, as in `process.versions.node`. */
  node: string
  /** `linux-x64`, `darwin-arm64`, `win32-x64`. */
  platform: string
}

/** `docker-credential-atcr 0.1.0 (node v24.1.0; linux-x64)` */
export function versionLine(info: VersionInfo): string {
  return `${info.name} ${info.version} (node v${info.node}; ${info.platform})`
}

/** The facts of the running process, for a CLI named `name` at `version`. */
export function currentVersionInfo(name: string, version: string): VersionInfo {
  return {name, version, node: process.versions.node, platform: `${process.platform}-${process.arch}`}
}
