#!/usr/bin/env bash
# Installs what Portcullis needs when it is missing: Debian tools the tests and demo use, npm
# dependencies, and the compiled CLI. Safe to run again; does nothing when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v umoci >/dev/null || need_apt+=(umoci)
command -v zstd >/dev/null || need_apt+=(zstd)
command -v zip >/dev/null || need_apt+=(zip)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
# The Go binary analyzer tests build real Go binaries, offline, with Debian's Go.
command -v go >/dev/null || need_apt+=(golang-go)
# The pkgdb-parse benchmark builds its 1,000-package rpm database with sqlite3 (tests need no rpm tools).
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
# The dashboard browser test and page benchmark drive Debian's Chromium with playwright-core (no browser download).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Reinstall npm dependencies when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# Rebuild the CLI when any source is newer than the build.
if [ ! -f dist/cli/main.js ] || [ -n "$(find lib cli -newer dist/cli/main.js -name '*.ts' -print -quit)" ]; then
  npm run --silent build
fi
