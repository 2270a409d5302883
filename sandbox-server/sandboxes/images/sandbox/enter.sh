#!/bin/sh
# dockhand-enter COMMAND [ARG...]: runs COMMAND as the learner inside the inner engine's namespaces. The
# server starts everything it runs as the learner through this (terminals, checks, files), so nothing
# the learner can influence (~/.bashrc, ~/.tmux.conf, ~/.docker/cli-plugins, ~/.gitconfig, a tmux
# server of their own) ever runs in the sandbox's own user namespace, which is the host's: there uid
# 1000 could run the setuid newuidmap with the container's capabilities. There is no way around it:
# when the engine's namespaces cannot be joined, this says so and runs nothing.
#
# Inside, the command is uid 1000 of a user namespace nested in RootlessKit's (where the learner's uid
# 1000 is uid 0), in the inner engine's network namespace, so that container addresses (172.17.x)
# answer as they would on a machine running Docker; the kernel lets only a process of RootlessKit's
# user namespace join that network namespace. It makes a user namespace of its own inside it that maps
# uid 1000 to that uid 0, which is the learner one level out: `id` says learner, the learner's files
# are the learner's, and the command has no capability left and no way to gain one (no_new_privs).
set -eu
# In the sandbox's own user namespace every id maps to itself; in one of the learner's, only a few do.
# Already inside (a tmux window, a nested call): run the command as it is.
if [ "$(cat /proc/self/uid_map | tr -s ' \t' ' ')" != ' 0 0 4294967295' ]; then
  exec "$@"
fi
pidfile="$XDG_RUNTIME_DIR/docker.pid"
# A sandbox handed out is already up; this only covers a command that arrives while the engine starts.
tries=0
while [ ! -s "$pidfile" ] && [ "$tries" -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
pid=$(cat "$pidfile" 2>/dev/null || :)
case "$pid" in
'' | *[!0-9]*)
  echo "dockhand: the Docker Engine in this sandbox is not running, so there is no shell for you here; start a fresh sandbox." >&2
  exit 125
  ;;
esac
# As uid 0 there: ping_group_range lets `ping` use ICMP sockets (0-65536 is every group
# that namespace maps), and RootlessKit's resolv.conf (its DNS forwarder) is copied out: the sandbox's
# own names Docker's DNS at 127.0.0.11, an address of the outer network namespace only.
resolv="$XDG_RUNTIME_DIR/resolv.conf"
setpriv --no-new-privs nsenter --user --net --preserve-credentials --target "$pid" \
  sh -c 'echo "0 65536" >/proc/sys/net/ipv4/ping_group_range || :; cat "/proc/$1/root/etc/resolv.conf" >"$2"' sh "$pid" "$resolv" 2>/dev/null || :
# unshare -r: root of a new user namespace (the learner still) with a mount namespace of its own, where
# resolv.conf is swapped; then unshare again to become uid 1000 of one more user namespace, in which
# that root is not mapped at all. Should the joins fail (a pid file that names another process), the
# whole command fails: there is no fallback outside.
# no_new_privs from here on: nothing can gain privileges, the setuid newuidmap included.
exec setpriv --no-new-privs nsenter --user --net --preserve-credentials --target "$pid" \
  unshare --user --mount --map-root-user \
  sh -c 'mount --bind "$0" /etc/resolv.conf 2>/dev/null || :; exec unshare --user --map-user=1000 --map-group=1000 "$@"' "$resolv" "$@"
