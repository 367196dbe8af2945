#!/usr/bin/env bash
# The console's front-end packages, pinned, from the npm registry into a folder the server
# serves (openbay/console/static/vendor, not in git). Nothing is fetched at run time.
# noVNC comes from Debian (package novnc). Safe to run again; skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(@xterm/xterm@5.5.0 @xterm/addon-fit@0.10.0 rrweb@2.0.0-alpha.4 rrweb-player@1.0.0-alpha.4)
VENDOR=openbay/console/static/vendor
STAMP="$VENDOR/.versions"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "${PACKAGES[*]}" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: the console's terminal and replay need it at setup (apt-get install npm)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work" --no-audit --no-fund --no-save --loglevel=error "${PACKAGES[@]}"
m="$work/node_modules"
rm -rf "$VENDOR"
mkdir -p "$VENDOR/xterm" "$VENDOR/rrweb"
cp "$m/@xterm/xterm/lib/xterm.js" "$m/@xterm/xterm/css/xterm.css" "$VENDOR/xterm/"
cp "$m/@xterm/addon-fit/lib/addon-fit.js" "$VENDOR/xterm/"
cp "$m/rrweb/dist/record/rrweb-record.min.js" "$VENDOR/rrweb/rrweb-record.js"
cp "$m/rrweb-player/dist/index.js" "$VENDOR/rrweb/rrweb-player.js"
cp "$m/rrweb-player/dist/style.css" "$VENDOR/rrweb/rrweb-player.css"
for f in xterm/LICENSE:@xterm/xterm/LICENSE rrweb/LICENSE:rrweb/LICENSE; do
  cp "$m/${f#*:}" "$VENDOR/${f%%:*}" 2>/dev/null || true
done
echo "${PACKAGES[*]}" > "$STAMP"
echo "console packages: ${PACKAGES[*]}"
