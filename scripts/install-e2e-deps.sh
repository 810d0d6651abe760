#!/usr/bin/env bash
# Install the container clients and servers that `npm run test:e2e` drives, from Debian's packages.
# The e2e suite runs this only when asked (CI set, or ATCR_E2E_INSTALL=1); otherwise it skips the
# scenarios whose clients are missing and names this script. Idempotent: packages already installed
# are left alone, and `apt-get update` runs only when something is missing. Needs root, or sudo;
# prints what it did.
set -euo pipefail

packages=(
  skopeo
  podman
  buildah
  docker-registry
  golang-go
  golang-github-docker-docker-credential-helpers-dev
  golang-golang-x-sys-dev
  # podman/buildah as root on a plain machine: OCI runtime, overlay helpers, newuidmap
  crun
  uidmap
  fuse-overlayfs
  ca-certificates
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-e2e-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-e2e-deps: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-e2e-deps: not root and no sudo; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-e2e-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-e2e-deps: done"
