#!/bin/sh
# One browser terminal = one tmux client, started by the server with `docker exec`.
#   DOCKHAND_TERMINAL_ID=ID dockhand-terminal attach WINDOW COLS ROWS [read-only]
#     Attaches to tmux session "wWINDOW" (created on first use), so a reconnect finds the same shell
#     and scrollback, and each window number is a separate session: two tabs never switch each
#     other's window. A read-only client cannot type and does not change the window's size.
#   dockhand-terminal detach ID
#     Ends the client of connection ID. Closing the exec's connection does not end a process with a
#     tty, so the server calls this when the WebSocket closes; the shell stays in tmux.
#   dockhand-terminal detach-all
#     Ends every client, for a server that restarted and so has no socket left; the shells stay.
set -eu
clients=/tmp/dockhand-terminals
case "${1:-}" in
attach)
  window=$2 cols=$3 rows=$4 mode=${5:-}
  mkdir -p "$clients"
  echo $$ >"$clients/$DOCKHAND_TERMINAL_ID"
  # Engine API 1.41 cannot size an exec's tty at creation: size it here, before tmux first draws.
  stty cols "$cols" rows "$rows"
  if [ "$mode" = read-only ]; then
    exec tmux -u new-session -A -s "w$window" -c "$HOME/workspace" -f read-only,ignore-size
  fi
  exec tmux -u new-session -A -s "w$window" -c "$HOME/workspace"
  ;;
detach)
  id=$2
  # The server may ask as soon as the client's exec has started, before it wrote its pid.
  tries=0
  while [ ! -s "$clients/$id" ] && [ "$tries" -lt 30 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  pid=$(cat "$clients/$id" 2>/dev/null) || exit 0
  rm -f "$clients/$id"
  # The pid is only that client's while the process still carries its id (it may have been reused).
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "DOCKHAND_TERMINAL_ID=$id"; then
    kill -HUP "$pid"
  fi
  ;;
detach-all)
  tmux list-clients -F '#{client_pid}' 2>/dev/null | xargs -r kill -HUP 2>/dev/null || true
  rm -rf "$clients"
  ;;
*)
  echo "usage: DOCKHAND_TERMINAL_ID=ID dockhand-terminal attach WINDOW COLS ROWS [read-only] | detach ID | detach-all" >&2
  exit 2
  ;;
esac
