#!/usr/bin/env bash
# Re-pins requirements.lock from what .venv has installed (after changing pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q -e '.[test,postgres,bench,kubernetes]'
.venv/bin/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
echo "requirements.lock: $(wc -l < requirements.lock) packages"
