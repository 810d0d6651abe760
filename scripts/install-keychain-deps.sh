#!/usr/bin/env bash
# Install the real Secret Service that test/keychain/ drives, from Debian's packages: a session bus
# (dbus-run-session), gnome-keyring-daemon, secret-tool to look at what the tests stored, and
# dbus-test-tool (dbus-tests) to stand in for an unlock prompt nobody answers.
# Idempotent: packages already installed are left alone, and `apt-get update` runs only when something
# is missing. Needs root or sudo; prints what it did. The keychain suite runs this itself only when CI
# is set or ATCR_E2E_INSTALL=1.
set -euo pipefail

packages=(
  dbus
  dbus-daemon
  gnome-keyring
  libsecret-tools
  # dbus-test-tool: its black-hole owns the prompter's bus name and never answers (a prompt nobody answers)
  dbus-tests
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-keychain-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-keychain-deps: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-keychain-deps: not root and no sudo; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-keychain-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-keychain-deps: done"
