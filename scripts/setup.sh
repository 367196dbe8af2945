#!/usr/bin/env bash
# Sets up OpenBay on Debian as root: the system packages it needs and a virtualenv
# (.venv) with the locked Python dependencies. Safe to run again; skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

wanted=$(grep -v '^\s*#' scripts/apt-packages.txt | xargs)
missing=""
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  # several setups may run at once on one machine: wait for the dpkg lock, do not fail on it
  apt-get -o DPkg::Lock::Timeout=900 update -q
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing
fi

# .venv is made from Debian's own Python (3.11.2 on Debian 12) where there is one: the floor
# OpenBay promises to run on, so the suite checks it. A .venv made from another interpreter (a
# pyenv or a newer build earlier on PATH) is made again. OPENBAY_PYTHON overrides the choice.
python="${OPENBAY_PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=$(command -v python3); fi
fi
"$python" -c 'import sys; sys.exit(sys.version_info[:3] < (3, 11, 2))' \
  || { echo "OpenBay needs Python 3.11.2 or newer; $python is $("$python" --version 2>&1)"; exit 1; }
want=$("$python" -c 'import sys; print(sys.base_prefix, sys.version)')
if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -c 'import sys; print(sys.base_prefix, sys.version)' 2>/dev/null)" != "$want" ]; then
  echo "remaking .venv from $python ($("$python" --version 2>&1))"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-agentbay.lock
.venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
# the built-in images (Debian roots made from Debian's packages); kept between runs, rebuilt
# only when their recipe changes. OPENBAY_SKIP_IMAGES=1 skips this (e.g. a client-only setup).
if [ "${OPENBAY_SKIP_IMAGES:-0}" != "1" ]; then
  .venv/bin/python -m openbay.sandbox.images.build
fi
# the console's front-end packages come from the npm registry; any npm will do (Debian's, or
# the one a Node.js from elsewhere brings: Debian's npm package conflicts with those)
if ! command -v npm >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends npm
fi
bash scripts/console_vendor.sh
echo "setup done: $(.venv/bin/python --version), $(runc --version | head -1)"
