"""The demo dashboard in a real browser: headless Chromium loads it and renders every section.

Skipped only when Chromium is absent and CI is not "true" (CI installs it: .ci/browser.sh).
The screenshot is kept as tests/artifacts/dashboard.png (gitignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from connectors.cli.demo import build_demo_app
from webhooks import demo
from webhooks.queue import huey

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    app = build_demo_app(str(tmp_path_factory.mktemp("demo")))
    with app.app_context():
        demo.build()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    huey.immediate = False


def chromium(*args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM, "CI=true but chromium is not installed"
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def test_every_section_renders_in_chromium(demo_url):
    done = chromium("--dump-dom", demo_url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for section in ("forecasts", "reorder", "upsell", "orders", "segments", "anomalies"):
        assert f'id="{section}"' in dom, section
    assert dom.count('<svg class="chart"') == 8  # one forecast chart per best seller
    assert dom.count('<svg class="chart bars"') == 1  # customers per segment
    assert dom.count('class="forecast"') == 8 and dom.count('class="history"') == 8
    assert "Order this week" in dom and "Download the plan (CSV)" in dom
    assert "bought in" in dom  # the upsell pairs' "why"
    assert "risk-low" in dom and ("risk-high" in dom or "risk-medium" in dom)


def test_screenshot_is_kept_as_an_artefact(demo_url):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={shot}", "--window-size=1280,2000", demo_url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
