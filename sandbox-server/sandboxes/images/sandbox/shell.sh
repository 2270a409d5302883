#!/bin/sh
# The learner's shell (tmux's default-command): bash in the inner engine's network namespace, so that
# container addresses (172.17.x) answer from it as they would on a machine running Docker. The engine
# runs under RootlessKit in a user namespace the learner owns, so joining it needs no privilege; inside,
# the shell would be uid 0 with every capability of that namespace, so all are dropped before bash
# starts (outside, it stays uid 1000 with none).
pidfile="$XDG_RUNTIME_DIR/docker.pid"
# A sandbox handed out is already up; this only covers a terminal opened while the engine starts.
tries=0
while [ ! -s "$pidfile" ] && [ "$tries" -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
pid=$(cat "$pidfile" 2>/dev/null)
# Joining once first also sets ping_group_range there, so `ping` can use ICMP sockets (the shell has no
# capability for raw ones); 0-65536 is every group id that namespace maps.
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
  nsenter --user --net --preserve-credentials --target "$pid" \
    sh -c 'echo "0 65536" >/proc/sys/net/ipv4/ping_group_range || :' 2>/dev/null; then
  exec nsenter --user --net --preserve-credentials --target "$pid" \
    setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs \
    --securebits=+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked \
    bash -l
fi
echo "dockhand: the Docker Engine is not running, so container addresses are out of reach from this shell." >&2
exec bash -l
