"""The demo dashboard in a real browser: headless Chromium loads it and renders every section.

Skipped only when Chromium is absent and CI is not "true" (CI installs it: .ci/browser.sh).
The screenshot is kept as tests/artifacts/dashboard.png (gitignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import threading
import urllib.request
import zlib
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


def png_rows(png: bytes, count: int) -> list[list[tuple[int, int, int]]]:
    """The first `count` rows of an 8-bit RGB(A) PNG as RGB pixels (enough to check colours)."""
    width, _, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    step = 4 if colour == 6 else 3
    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw, stride, rows, prior = zlib.decompress(data), width * step, [], bytearray(width * step)
    for r in range(count):
        line = raw[r * (stride + 1):(r + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - step] if i >= step else 0
            b, c = prior[i], prior[i - step] if i >= step else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 255
            elif kind == 2:
                cur[i] = (cur[i] + b) & 255
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(cur[i:i + 3]) for i in range(0, stride, step)])
        prior = cur
    return rows


def test_the_page_is_styled_by_the_static_stylesheet(demo_url):
    """The CSS is a static file now: the shop's grey background and white cards show."""
    with urllib.request.urlopen(demo_url + "static/shelfwise.css") as res:
        assert res.status == 200 and b"--bg:#f1f1f1" in res.read()
    with tempfile.TemporaryDirectory() as folder:
        shot = Path(folder) / "top.png"
        done = chromium(f"--screenshot={shot}", "--window-size=1280,500", demo_url)
        assert done.returncode == 0, done.stderr[-2000:]
        rows = png_rows(shot.read_bytes(), 420)
    assert rows[4][4] == (241, 241, 241)  # body background from the stylesheet

    def widest_white(row):
        return max((len(run) for run in "".join(
            "w" if px == (255, 255, 255) else " " for px in row).split()), default=0)

    # a white card, 1,200 px wide less the page's padding, between grey margins
    assert any(1000 <= widest_white(row) < 1200 for row in rows[150:])


def test_screenshot_is_kept_as_an_artefact(demo_url):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={shot}", "--window-size=1280,2000", demo_url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
