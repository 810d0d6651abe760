#!/usr/bin/env bash
# Install the real Secret Service that test/keychain/ drives, from Debian's packages: a session bus
# (dbus-run-session), gnome-keyring-daemon, secret-tool to look at what the tests stored, and
# dbus-test-tool (dbus-tests: its black-hole owns the prompter's bus name and never answers, a prompt
# nobody answers). Needs root or sudo (scripts/install-debian-packages.sh does the installing). The
# keychain suite runs this itself only when CI is set or ATCR_E2E_INSTALL=1.
set -euo pipefail

exec "$(dirname "$0")/install-debian-packages.sh" install-keychain-deps \
  dbus dbus-daemon gnome-keyring libsecret-tools dbus-tests
