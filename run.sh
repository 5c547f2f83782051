#!/usr/bin/env bash
# Set up Shelfwise in ./.venv and run it: `./run.sh demo` or `./run.sh test`.
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

case "${1:-demo}" in
  demo)
    # A demo Shopify store from the bundled sample (connectors/samples/), its models run,
    # and its dashboard on http://127.0.0.1:8000 (SQLite, in-process queue, no credentials).
    .venv/bin/shelfwise demo
    ;;
  test)
    # The services the Shopify app's tests run against: PostgreSQL and Redis (scale-out
    # suite) and headless Chromium (dashboard). Installed from Debian packages when this
    # user can; elsewhere those tests say they were skipped and why.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      bash .ci/services.sh
      bash .ci/browser.sh
    else
      echo "run.sh: not root with apt-get: PostgreSQL, Redis and Chromium tests may be skipped" >&2
    fi
    .venv/bin/ruff check .
    # The inventory formulas against stockpyl (which brings Sphinx and matplotlib): its own venv.
    if [ ! -x .venv-crosscheck/bin/python ]; then
      "$python" -m venv .venv-crosscheck
    fi
    .venv-crosscheck/bin/python -m pip install --quiet -r tests/requirements-crosscheck.txt -e .
    .venv-crosscheck/bin/python -m pytest -p no:cacheprovider tests/engine/test_inventory_stockpyl.py
    # pytest exits 5 when it collects no test: that is a failure here, like any non-zero code.
    .venv/bin/python -m pytest
    ;;
  *)
    echo "usage: ./run.sh [demo|test]" >&2
    exit 2
    ;;
esac
