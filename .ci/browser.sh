#!/usr/bin/env bash
# Install headless Chromium (Debian package) for the dashboard's browser test
# (tests/app/test_dashboard_browser.py). Idempotent; needs root (CI and the dev machines run as root).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "browser: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version
