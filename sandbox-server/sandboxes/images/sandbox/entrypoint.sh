#!/bin/sh
# Starts the learner's own Docker Engine, rootless. DOCKHAND_MIRROR (host:port) is the room's image
# mirror: inner pulls of Docker Hub images go there first, so they work offline.
set -eu
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# A sandbox started again on the same disk (the host's engine restarted) finds the last run's pid file.
rm -f "$XDG_RUNTIME_DIR/docker.pid"
set -- --data-root "$HOME/.local/share/docker"
if [ -n "${DOCKHAND_MIRROR:-}" ]; then
  set -- "$@" --registry-mirror "http://$DOCKHAND_MIRROR" --insecure-registry "$DOCKHAND_MIRROR"
fi
exec dockerd-rootless.sh "$@"
