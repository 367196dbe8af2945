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

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-agentbay.lock
.venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
# the built-in images (Debian roots made from Debian's packages); kept between runs, rebuilt
# only when their recipe changes. OPENBAY_SKIP_IMAGES=1 skips this (e.g. a client-only setup).
if [ "${OPENBAY_SKIP_IMAGES:-0}" != "1" ]; then
  .venv/bin/python -m openbay.sandbox.image_build
fi
# the console's front-end packages come from the npm registry; any npm will do (Debian's, or
# the one a Node.js from elsewhere brings: Debian's npm package conflicts with those)
if ! command -v npm >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends npm
fi
bash scripts/console_vendor.sh
echo "setup done: $(.venv/bin/python --version), $(runc --version | head -1)"
