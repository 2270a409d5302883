#!/bin/sh
# One browser terminal = one tmux client, started by the server with `docker exec`.
#   DOCKHAND_TERMINAL_ID=ID dockhand-terminal attach WINDOW COLS ROWS [read-only]
#     Attaches to tmux session "wWINDOW" (created on first use), so a reconnect finds the same shell
#     and scrollback, and each window number is a separate session: two tabs never switch each
#     other's window. A read-only client cannot type and does not change the window's size.
#   dockhand-terminal first-shell
#     Starts window 1's shell, detached, unless it is there already, so the learner's first attach joins
#     a shell at its prompt. The image's entrypoint calls it as the engine starts (the shell's own start
#     overlaps the engine's), the warm pool again before it hands a sandbox out; either may come first.
#   dockhand-terminal detach ID
#     Ends the client of connection ID. Closing the exec's connection does not end a process with a
#     tty, so the server calls this when the WebSocket closes; the shell stays in tmux.
#   dockhand-terminal detach-all
#     Ends every client, for a server that restarted and so has no socket left; the shells stay.
# tmux, client and server, runs only inside the learner's namespaces (dockhand-enter) and reads only
# Dockhand's configuration: a tmux server runs whatever its configuration or any client asks, and a
# tmux client runs what its server tells it to (lock-command, detach -E), so neither may run where the
# learner is not. Detaching signals the client by pid and never talks to a tmux server.
set -eu
clients=/tmp/dockhand-terminals
# Field 22 of /proc/PID/stat, the start time: with the pid it names one process, never a later one
# that got the same pid. The command name (field 2) may hold spaces, so it is cut off first.
started() {
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  set -- ${stat##*) }
  echo "${20}"
}
hang_up() {
  read -r pid start <"$1" 2>/dev/null || return 0
  rm -f "$1"
  case "$pid" in '' | *[!0-9]*) return 0 ;; esac
  if [ "$(started "$pid")" = "$start" ]; then kill -HUP "$pid" 2>/dev/null || :; fi
}
case "${1:-}" in
first-shell)
  # dockhand-enter needs the engine's pid file, which the engine writes early in its start (here within
  # about 50 ms): polled every 10 ms for half a second, then every 100 ms, as a host starting many
  # sandboxes at once is busy enough without a fork every 10 ms from each; 30 s in all.
  tries=0
  while [ ! -s "$XDG_RUNTIME_DIR/docker.pid" ] && [ "$tries" -lt 350 ]; do
    if [ "$tries" -lt 50 ]; then sleep 0.01; else sleep 0.1; fi
    tries=$((tries + 1))
  done
  # Two starts at once: one makes it, the other finds it (new-session refuses a session that exists).
  set -- tmux -u -f /etc/dockhand/tmux.conf
  dockhand-enter "$@" new-session -d -s w1 -c "$HOME/workspace" || dockhand-enter "$@" has-session -t =w1
  ;;
attach)
  window=$2 cols=$3 rows=$4 mode=${5:-}
  mkdir -p "$clients"
  echo "$$ $(started $$)" >"$clients/$DOCKHAND_TERMINAL_ID"
  # Engine API 1.41 cannot size an exec's tty at creation: size it here, before tmux first draws.
  stty cols "$cols" rows "$rows"
  set -- tmux -u -f /etc/dockhand/tmux.conf new-session -A -s "w$window" -c "$HOME/workspace"
  if [ "$mode" = read-only ]; then set -- "$@" -f read-only,ignore-size; fi
  exec dockhand-enter "$@"
  ;;
detach)
  id=$2
  # The server may ask as soon as the client's exec has started, before it wrote its pid.
  tries=0
  while [ ! -s "$clients/$id" ] && [ "$tries" -lt 30 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  hang_up "$clients/$id"
  ;;
detach-all)
  for file in "$clients"/*; do
    [ -f "$file" ] && hang_up "$file"
  done
  rm -rf "$clients"
  ;;
*)
  echo "usage: DOCKHAND_TERMINAL_ID=ID dockhand-terminal attach WINDOW COLS ROWS [read-only] | detach ID | detach-all" >&2
  exit 2
  ;;
esac
