#!/bin/sh
# Installs docker-credential-atcr from a release host, with its own Node.js: nothing else is needed.
#
#   curl -fsSL @@DEFAULT_HOST@@/install.sh | sh -s -- [--channel stable|beta] [--prefix DIR] [--host URL] [--force]
#
# It reads the channel's manifest from the release host (laid out as `oclif upload` and `oclif promote`
# lay out a bucket: docs/releasing.md), checks its Ed25519 signature with the release key written below
# (openssl, or a Node.js already installed) and the tarball's SHA-256, unpacks the tarball where
# `docker-credential-atcr update` (@oclif/plugin-update) keeps releases,
# ${XDG_DATA_HOME:-~/.local/share}/atcr/client/<version>-<sha>, and writes the launcher
# PREFIX/bin/docker-credential-atcr (default prefix ~/.local). $ATCR_RELEASE_HOST sets the host. An older
# release is not installed over a newer one without --force.
set -eu

BIN=docker-credential-atcr
channel=stable
prefix=${HOME:?HOME is not set}/.local
host=${ATCR_RELEASE_HOST:-@@DEFAULT_HOST@@}
force=
RELEASE_KEY='@@PUBLIC_KEY@@'

say() { printf '%s\n' "$*" >&2; }
die() {
  say "install.sh: $*"
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --channel) [ $# -ge 2 ] || die "--channel needs a value (stable or beta)"; channel=$2; shift 2 ;;
    --channel=*) channel=${1#*=}; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --host) [ $# -ge 2 ] || die "--host needs a URL"; host=$2; shift 2 ;;
    --host=*) host=${1#*=}; shift ;;
    --force) force=1; shift ;;
    -h | --help)
      say "usage: install.sh [--channel stable|beta] [--prefix DIR] [--host URL] [--force]   (also \$ATCR_RELEASE_HOST)"
      exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done

case $channel in stable | beta) ;; *) die "unknown channel \"$channel\": use stable or beta" ;; esac
host=${host%/}
# The authority (between :// and the first /): no user info (http://127.0.0.1@elsewhere reaches
# elsewhere), and for plain http a loopback host name, matched whole.
rest=${host#*://}
authority=${rest%%/*}
case $authority in
  *@* | *\\* | *'?'* | *'#'* | '') die "refusing the release host $host: it must not carry a user name or password" ;;
esac
case $authority in
  \[*\]:* | \[*\]) hostname=${authority%%]*}] ;;
  *) hostname=${authority%%:*} ;;
esac
case $host in
  https://*) ;;
  http://*)
    case $hostname in
      localhost | '[::1]') ;;
      127.*[!0-9.]* | 127.*..* | 127.*.) die "refusing the release host $host: it must be https (plain http only on a loopback address)" ;;
      127.*.*.*) ;;
      *) die "refusing the release host $host: it must be https (plain http only on a loopback address)" ;;
    esac ;;
  *) die "refusing the release host $host: it must be https (plain http only on a loopback address)" ;;
esac
case $RELEASE_KEY in
  *'BEGIN PUBLIC KEY'*) ;;
  *) die "this installer comes from an unsigned release and cannot verify what it downloads; use a signed release" ;;
esac

case $(uname -s) in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "unsupported system $(uname -s): on Windows use install.ps1" ;;
esac
case $(uname -m) in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported processor $(uname -m): releases exist for x64 and arm64" ;;
esac

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 2 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "needs curl or wget to download"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/atcr-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

manifest_path=channels/$channel/$BIN-$os-$arch-buildmanifest
fetch "$host/$manifest_path" "$tmp/manifest" || die "no $channel release for $os-$arch at $host ($host/$manifest_path)"
fetch "$host/$manifest_path.sig" "$tmp/manifest.sig" || die "the $channel manifest at $host is not signed: refusing it"

# The signature: Ed25519 over the manifest's exact bytes, base64 in the .sig file.
printf '%s\n' "$RELEASE_KEY" >"$tmp/key.pem"
verified=
if command -v openssl >/dev/null 2>&1 && openssl pkey -pubin -in "$tmp/key.pem" -noout >/dev/null 2>&1 &&
  openssl base64 -d -A -in "$tmp/manifest.sig" -out "$tmp/manifest.sig.bin" 2>/dev/null; then
  if openssl pkeyutl -verify -pubin -inkey "$tmp/key.pem" -rawin -in "$tmp/manifest" \
    -sigfile "$tmp/manifest.sig.bin" >/dev/null 2>&1; then
    verified=openssl
  else
    die "the $channel manifest's signature does not verify: refusing it (nothing was installed)"
  fi
elif command -v node >/dev/null 2>&1; then
  if node -e '
    const {readFileSync: r} = require("node:fs"), c = require("node:crypto")
    const ok = c.verify(null, r(process.argv[1]), c.createPublicKey(r(process.argv[2])),
      Buffer.from(r(process.argv[3], "utf8").trim(), "base64"))
    process.exit(ok ? 0 : 1)' "$tmp/manifest" "$tmp/key.pem" "$tmp/manifest.sig" 2>/dev/null; then
    verified=node
  else
    die "the $channel manifest's signature does not verify: refusing it (nothing was installed)"
  fi
else
  die "cannot check the release signature: install OpenSSL 1.1.1 or newer (macOS: brew install openssl) and run this again"
fi

# The manifest is oclif's build manifest, written one field per line by `npm run release`, which adds
# bin, platform and arch before signing it.
field() { sed -n "s/^  \"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\} *\$/\1/p" "$tmp/manifest" | head -n 1; }
[ "$(field bin)" = "$BIN" ] && [ "$(field platform)" = "$os" ] && [ "$(field arch)" = "$arch" ] ||
  die "the signed manifest is not for $BIN $os-$arch: refusing it"
version=$(field version)
sha=$(field sha)
sha256=$(field sha256gz)
base_dir=$(field baseDir)
case $version in '' | *[!0-9A-Za-z.+-]*) die "the manifest names no valid version" ;; esac
case $sha in '' | *[!0-9a-f]*) die "the manifest names no commit sha" ;; esac
case $sha256 in *[!0-9a-f]* | '') die "the manifest carries no SHA-256 of the tarball: refusing it" ;; esac
[ ${#sha256} -eq 64 ] || die "the manifest carries no SHA-256 of the tarball: refusing it"
case $base_dir in .* | '' | */* | *[!0-9A-Za-z._-]*) die "the manifest names an unsafe directory" ;; esac
gz=versions/$version/$sha/$BIN-v$version-$sha-$os-$arch.tar.gz

# version_lt A B: whether release A is older than B (semver: numeric core; a prerelease is older than
# its release; prereleases of one core compared by sort -V).
version_lt() {
  va=$1 vb=$2 pa= pb=
  case $va in *-*) pa=${va#*-} ;; esac
  case $vb in *-*) pb=${vb#*-} ;; esac
  ca=${va%%-*}. cb=${vb%%-*}.
  while [ -n "$ca" ] || [ -n "$cb" ]; do
    xa=${ca%%.*} xb=${cb%%.*}
    ca=${ca#*.} cb=${cb#*.}
    [ "${xa:-0}" -lt "${xb:-0}" ] && return 0
    [ "${xa:-0}" -gt "${xb:-0}" ] && return 1
  done
  [ -n "$pa" ] || return 1
  [ -n "$pb" ] || return 0
  [ "$pa" != "$pb" ] && [ "$(printf '%s\n%s\n' "$pa" "$pb" | sort -V | head -n 1)" = "$pa" ]
}
data=${DOCKER_CREDENTIAL_ATCR_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/atcr}
client=$data/client
installed=$(readlink "$client/current" 2>/dev/null || true)
installed=${installed#./}
installed=${installed%-*}
if [ -n "$installed" ] && [ -z "$force" ] && version_lt "$version" "$installed"; then
  die "$BIN $installed is installed and the $channel release is the older $version: not installed (run again with --force to install it anyway)"
fi

say "Downloading $BIN $version ($channel, $os-$arch) from $host"
fetch "$host/$gz" "$tmp/release.tar.gz" || die "cannot download $host/$gz"
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$tmp/release.tar.gz" | cut -d ' ' -f 1)
elif command -v shasum >/dev/null 2>&1; then
  actual=$(shasum -a 256 "$tmp/release.tar.gz" | cut -d ' ' -f 1)
else
  actual=$(openssl dgst -sha256 -r "$tmp/release.tar.gz" | cut -d ' ' -f 1)
fi
[ "$actual" = "$sha256" ] || die "the tarball's SHA-256 does not match the signed manifest: refusing it (nothing was installed)"

case $data$prefix in *"'"*) die "the data directory or prefix contains a single quote; choose another --prefix" ;; esac
mkdir -p "$client/bin" "$prefix/bin"
staging=$(mktemp -d "$client/.staging-XXXXXX")
tar -xzf "$tmp/release.tar.gz" -C "$staging" || die "cannot unpack the tarball into $client"
[ -x "$staging/$base_dir/bin/node" ] || die "the tarball holds no $base_dir/bin/node"
# Named as @oclif/plugin-update names it (<version>-<sha>). A reinstall of the version in use moves the
# old copy aside first: `current` never points at nothing.
release=$version-$sha
[ ! -e "$client/$release" ] || mv "$client/$release" "$staging/replaced"
mv "$staging/$base_dir" "$client/$release"
ln -sfn "./$release" "$client/current.tmp.$$"
mv -f "$client/current.tmp.$$" "$client/current"
rm -rf "$staging"
# The client launcher plugin-update writes on update (client/bin/$BIN): the tarball launchers defer to
# it, and plugin-update reads the version in use from its "../<version>-<sha>/bin" line.
cat >"$client/bin/$BIN.tmp.$$" <<CLIENT
#!/bin/sh
# $BIN, written by install.sh; rewritten by $BIN update.
release="\${0%/*}/../$release/bin"
DOCKER_CREDENTIAL_ATCR_BINPATH=\${DOCKER_CREDENTIAL_ATCR_BINPATH:-\$0} DOCKER_CREDENTIAL_ATCR_REDIRECTED=1
export DOCKER_CREDENTIAL_ATCR_BINPATH DOCKER_CREDENTIAL_ATCR_REDIRECTED
exec "\$release/node" "\$release/run.js" "\$@"
CLIENT
chmod 755 "$client/bin/$BIN.tmp.$$"
mv -f "$client/bin/$BIN.tmp.$$" "$client/bin/$BIN"
printf '%s\n' "$host" >"$data/release-host"
printf '%s' "$channel" >"$data/channel"

launcher=$prefix/bin/$BIN
cat >"$launcher.tmp.$$" <<LAUNCHER
#!/bin/sh
@@LAUNCHER_MARKER@@
# $BIN, written by install.sh: runs the release in $client/current
# with the Node.js inside it (no node needed on PATH). Updated by: $BIN update
DOCKER_CREDENTIAL_ATCR_BINPATH=\$0 DOCKER_CREDENTIAL_ATCR_DATA_DIR='$data' DOCKER_CREDENTIAL_ATCR_REDIRECTED=1
export DOCKER_CREDENTIAL_ATCR_BINPATH DOCKER_CREDENTIAL_ATCR_DATA_DIR DOCKER_CREDENTIAL_ATCR_REDIRECTED
exec '$client/current/bin/node' '$client/current/bin/run.js' "\$@"
LAUNCHER
chmod 755 "$launcher.tmp.$$"
mv -f "$launcher.tmp.$$" "$launcher"

"$launcher" --version >&2 || die "the installed $launcher does not start"
say "Installed $BIN $version ($channel) as $launcher (signature checked with $verified)."
case :${PATH:-}: in
  *:"$prefix/bin":*) ;;
  *) say "$prefix/bin is not on your PATH: add it (export PATH=\"$prefix/bin:\$PATH\" in your shell profile)." ;;
esac
say "Next, run: $BIN configure-docker"
