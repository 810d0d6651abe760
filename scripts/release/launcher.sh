#!/bin/sh
@@LAUNCHER_MARKER@@
# docker-credential-atcr, from a release tarball: runs the Node.js bundled beside this file, so no node
# is needed on PATH. When `update` has installed a newer copy (<data dir>/client/current), that one runs.
# Kept to shell built-ins on the usual path: Docker starts the helper for every pull and push.
self=$0
case $self in */*) ;; *) self=./$self ;; esac
while [ -h "$self" ]; do
  link=$(readlink "$self")
  case $link in /*) self=$link ;; *) self=${self%/*}/$link ;; esac
done
dir=${self%/*}
: "${DOCKER_CREDENTIAL_ATCR_BINPATH:=$self}"
export DOCKER_CREDENTIAL_ATCR_BINPATH
if [ -z "$DOCKER_CREDENTIAL_ATCR_REDIRECTED" ]; then
  updated=${DOCKER_CREDENTIAL_ATCR_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/atcr}/client/current/bin
  if [ -x "$updated/node" ] && ! [ "$updated" -ef "$dir" ]; then
    DOCKER_CREDENTIAL_ATCR_REDIRECTED=1
    export DOCKER_CREDENTIAL_ATCR_REDIRECTED
    exec "$updated/node" "$updated/run.js" "$@"
  fi
fi
exec "$dir/node" "$dir/run.js" "$@"
