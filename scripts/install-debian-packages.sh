#!/usr/bin/env bash
# install-debian-packages.sh NAME PACKAGE… — the one way the test scripts install Debian packages
# (install-e2e-deps.sh, install-keychain-deps.sh hold the lists). Idempotent: packages already installed
# are left alone, and `apt-get update` runs only when something is missing. Needs root, or sudo; prints
# what it did, each line starting with NAME.
set -euo pipefail

name=$1
shift
packages=("$@")

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "${name}: all ${#packages[@]} packages already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "${name}: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "${name}: not root and no sudo; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "${name}: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "${name}: done"
