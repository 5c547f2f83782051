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
    .venv/bin/ruff check .
    # pytest exits 5 when it collects no test: that is a failure here, like any non-zero code.
    .venv/bin/python -m pytest
    ;;
  *)
    echo "usage: ./run.sh [demo|test]" >&2
    exit 2
    ;;
esac
