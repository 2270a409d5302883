#!/bin/sh
# Starts the learner's own Docker Engine, rootless. DOCKHAND_MIRROR (host:port) is the room's image
# mirror: inner pulls of Docker Hub images go there first, so they work offline.
# What Docker's dockerd-rootless.sh does, without its probes (this image's network driver is known):
# the first run (as the learner) re-runs this script inside RootlessKit's user, mount and network
# namespaces; that second run starts containerd and dockerd. dockerd left to start containerd itself
# dials it before it listens and then sits out gRPC's 1 s reconnect backoff.
set -eu
# The sandbox's CPU limit in whole CPUs (its cgroup's quota over its period, rounded up); nothing without one.
cpu_limit() {
  set -- $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max 2>/dev/null || :)
  case "${1:-}:${2:-}" in
  *[!0-9:]* | :* | *:) ;;
  *) echo $((($1 + $2 - 1) / $2)) ;;
  esac
}
if [ -z "${_DOCKHAND_ENGINE_CHILD:-}" ]; then
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  # A sandbox started again on the same disk (the host's engine restarted) finds the last run's pid file.
  rm -f "$XDG_RUNTIME_DIR/docker.pid"
  # The learner's first shell starts beside the engine, in the learner's namespaces once they exist (it
  # waits for the engine's pid file), so the prompt is there when the engine answers. Forked twice, so
  # the sandbox's init reaps it; nothing it prints belongs in the engine's log.
  (dockhand-terminal first-shell >/dev/null 2>&1 &)
  # Go's defaults suit a daemon with a machine to itself; the engine's (RootlessKit, containerd and the
  # shims it starts, dockerd) are one of hundreds at rest here. GOGC=25 collects once the heap has grown
  # by a quarter rather than doubled (not in dockerd, below); GOMAXPROCS is the sandbox's CPU limit (its
  # cgroup's quota), not the host's cores, which Go before 1.25 does not read. The learner's shells are
  # started apart from this (above, or by the server) and keep Go's defaults.
  export GOGC=25
  procs=$(cpu_limit)
  if [ -n "$procs" ]; then export GOMAXPROCS="$procs"; fi
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
containerd=$!
# dockerd starts at once, not once containerd's socket is there: given --containerd, it dials the
# socket until it appears (a missing socket is retried every 10 ms, not backed off), so the two starts
# overlap (60 ms sooner here). Should containerd end before it listens, this watcher ends dockerd
# (which takes over this shell's pid), which would otherwise dial for a minute.
# The watcher is forked twice, so the sandbox's init reaps it, not dockerd (which reaps only its own
# children); for the same reason a containerd that ended is a zombie, hence its state is read.
engine=$$
(
  while [ ! -S "$socket" ]; do
    state=Z
    read -r _ _ state _ 2>/dev/null <"/proc/$containerd/stat" || true
    if [ "$state" = Z ]; then
      echo "dockhand: containerd did not start" >&2
      # KILL: once dockerd has set up its signal handlers, a TERM waits out its minute of dialling.
      kill -KILL "$engine"
      exit 1
    fi
    sleep 0.05
  done &
)
set -- --data-root "$HOME/.local/share/docker" --containerd "$socket"
if [ -n "${DOCKHAND_MIRROR:-}" ]; then
  set -- "$@" --registry-mirror "http://$DOCKHAND_MIRROR" --insecure-registry "$DOCKHAND_MIRROR"
fi
# dockerd keeps Go's default: with GOGC=25 its start took 50 ms more CPU before its socket answered (a
# small live heap collected over and over), for 1.7 MiB less at rest; 50 saved next to nothing.
unset GOGC
exec dockerd "$@"
