#!/bin/sh
# The learner's shell (tmux's default-command): bash as the learner (uid 1000) in the inner engine's
# network namespace, so that container addresses (172.17.x) answer from it as they would on a machine
# running Docker. That namespace belongs to RootlessKit's user namespace, where the learner is uid 0, and
# the kernel lets only a process of that user namespace join it. So the shell joins it, then makes a user
# namespace of its own inside it that maps uid 1000 to that uid 0, which is the learner one level out:
# `id` says learner, the learner's files are the learner's, and the shell has no capability left.
pidfile="$XDG_RUNTIME_DIR/docker.pid"
# A sandbox handed out is already up; this only covers a terminal opened while the engine starts.
tries=0
while [ ! -s "$pidfile" ] && [ "$tries" -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
pid=$(cat "$pidfile" 2>/dev/null)
# The first visit, as uid 0 there: ping_group_range lets `ping` use ICMP sockets (0-65536 is every group
# that namespace maps), and RootlessKit's resolv.conf (its DNS forwarder) is copied out: the sandbox's
# own names Docker's DNS at 127.0.0.11, an address of the outer network namespace only.
resolv="$XDG_RUNTIME_DIR/resolv.conf"
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
  nsenter --user --net --preserve-credentials --target "$pid" \
    sh -c 'echo "0 65536" >/proc/sys/net/ipv4/ping_group_range || :; cat "/proc/$1/root/etc/resolv.conf" >"$2"' sh "$pid" "$resolv" 2>/dev/null; then
  # unshare -r: root of a new user namespace (the learner still) with a mount namespace of its own, where
  # resolv.conf is swapped; then unshare again to become uid 1000 of one more user namespace, in which
  # that root is not mapped at all, with no privileges to gain.
  exec nsenter --user --net --preserve-credentials --target "$pid" \
    unshare --user --mount --map-root-user \
    sh -c 'mount --bind "$0" /etc/resolv.conf && exec unshare --user --map-user=1000 --map-group=1000 setpriv --no-new-privs bash -l' "$resolv"
fi
echo "dockhand: the Docker Engine is not running, so container addresses are out of reach from this shell." >&2
exec bash -l
