#!/bin/sh
# The learner's shell (tmux's default-command): bash in the inner engine's network namespace, so that
# container addresses (172.17.x) answer from it as they would on a machine running Docker. The engine
# runs under RootlessKit in a user namespace the learner owns, so joining it needs no privilege; inside,
# the shell would hold every capability of that namespace, so they are all dropped before bash starts.
pidfile="$XDG_RUNTIME_DIR/docker.pid"
# A sandbox handed out is already up; this only covers a terminal opened while the engine starts.
tries=0
while [ ! -s "$pidfile" ] && [ "$tries" -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
pid=$(cat "$pidfile" 2>/dev/null)
enter() {
  nsenter --user --net --preserve-credentials --target "$pid" "$@"
}
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] && enter true 2>/dev/null; then
  # Lets `ping` use ICMP sockets there (the shell has no capability for raw ones); 0-65536 is every
  # group id that namespace maps.
  enter sh -c 'echo "0 65536" > /proc/sys/net/ipv4/ping_group_range' 2>/dev/null
  exec nsenter --user --net --preserve-credentials --target "$pid" \
    setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs \
    --securebits=+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked \
    bash -l
fi
echo "dockhand: the Docker Engine is not running, so container addresses are out of reach from this shell." >&2
exec bash -l
