#!/bin/sh
# As Docker Hub's redis entry point: `docker run redis --appendonly yes` means redis-server with those
# options, and the server runs as the redis user, not root. Hub's binary is built without protected
# mode (which refuses other containers when there is no password); Debian's is not, so it is switched
# off here unless a config file (the first argument) or the command line decides.
set -e
case "$1" in -* | *.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  case "${2:--} $*" in
  *' --protected-mode '* | *' --protected-mode') ;;
  -*) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || :
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
