#!/usr/bin/env bash
# Install the container clients and servers that `npm run test:e2e` drives, from Debian's packages.
# The e2e suite runs this only when asked (CI set, or ATCR_E2E_INSTALL=1); otherwise it skips the
# scenarios whose clients are missing and names this script. Needs root, or sudo
# (scripts/install-debian-packages.sh does the installing).
# crun, uidmap and fuse-overlayfs: podman and buildah as root on a plain machine (OCI runtime, overlay
# helpers, newuidmap).
set -euo pipefail

exec "$(dirname "$0")/install-debian-packages.sh" install-e2e-deps \
  skopeo podman buildah docker-registry \
  golang-go golang-github-docker-docker-credential-helpers-dev golang-golang-x-sys-dev \
  crun uidmap fuse-overlayfs ca-certificates
