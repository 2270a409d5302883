#!/bin/sh
# Starts the learner's own Docker Engine, rootless. DOCKHAND_MIRROR (host:port) is the room's image
# mirror: inner pulls of Docker Hub images go there first, so they work offline.
# What Docker's dockerd-rootless.sh does, without its probes (this image's network driver is known):
# the first run (as the learner) re-runs this script inside RootlessKit's user, mount and network
# namespaces; that second run starts containerd, waits for its socket, then dockerd. dockerd left to
# start containerd itself dials it before it listens and then sits out gRPC's 1 s reconnect backoff.
set -eu
if [ -z "${_DOCKHAND_ENGINE_CHILD:-}" ]; then
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  # A sandbox started again on the same disk (the host's engine restarted) finds the last run's pid file.
  rm -f "$XDG_RUNTIME_DIR/docker.pid"
  export _DOCKHAND_ENGINE_CHILD=1
  # --subid-source=static: the id ranges are in /etc/subuid (this image's), read directly instead of
  # through four getsubids runs.
  exec rootlesskit --state-dir="$XDG_RUNTIME_DIR/dockerd-rootless" --subid-source=static --net=slirp4netns --mtu=65520 \
    --slirp4netns-sandbox=auto --slirp4netns-seccomp=auto --disable-host-loopback --port-driver=builtin \
    --copy-up=/etc --copy-up=/run --propagation=rslave "$0" "$@"
fi
# /run is RootlessKit's copy: these point at the outer namespace's files.
rm -f /run/docker /run/containerd /run/xtables.lock
socket=$XDG_RUNTIME_DIR/docker/containerd/containerd.sock
mkdir -p "${socket%/*}"
rm -f "$socket"
containerd --config /etc/dockhand/containerd.toml &
tries=0
until [ -S "$socket" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 1500 ] || ! kill -0 "$!" 2>/dev/null; then
    echo "dockhand: containerd did not start" >&2
    exit 1
  fi
  sleep 0.01
done
set -- --data-root "$HOME/.local/share/docker" --containerd "$socket"
if [ -n "${DOCKHAND_MIRROR:-}" ]; then
  set -- "$@" --registry-mirror "http://$DOCKHAND_MIRROR" --insecure-registry "$DOCKHAND_MIRROR"
fi
exec dockerd "$@"
