"""Load and fault harness for the webhook endpoint (loopback only, bounded, stops by itself).

Used by `tests/app/test_app_load.py`, `tests/app/test_app_scaleout.py` and `benchmarks/webhooks.py`:
start the Shopify stand-in and the app's processes, send signed `orders/create` deliveries
(with repeats and forged ones) from several concurrent senders, kill a worker half-way and
restart it, then wait until every order is assessed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.app_support import API_KEY, API_SECRET, SECRET_KEY, SHOP, delivery, order

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(instance: Path, origin: str, **extra: str) -> dict[str, str]:
    """The environment of the app's processes: config by variables, as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHELFWISE_", "SHOPIFY_"))}
    env.update({
        "SHELFWISE_INSTANCE_PATH": str(instance), "SHELFWISE_SECRET_KEY": SECRET_KEY,
        "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
        "SHELFWISE_SHOPIFY_ORIGIN": origin, "SHELFWISE_SHOPIFY_BACKOFF": "0.05",
        "SHELFWISE_ASSESSMENT_LEASE_SECONDS": "5", "SHELFWISE_REQUEUE_AFTER_SECONDS": "5",
        "PYTHONUNBUFFERED": "1", **extra})
    return env


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, env=env, cwd=str(log.parent), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a process this harness started, and its children (its own session)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def wait_healthy(url: str, procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


def register_shop(env: dict, token: str, log: Path) -> None:
    """`shelfwise shop add SHOP --access-token TOKEN`, as a user runs it."""
    with open(log, "ab") as out:
        subprocess.run([str(BIN / "shelfwise"), "shop", "add", SHOP, "--access-token", token],
                       env=env, cwd=str(log.parent), check=True, stdout=out,
                       stderr=subprocess.STDOUT, timeout=120)


@dataclass
class LoadResult:
    orders: list[int]
    latencies: list[float] = field(default_factory=list)  # seconds, valid deliveries
    statuses: dict[str, list[int]] = field(default_factory=lambda: {"valid": [], "forged": []})
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.statuses["valid"]) + len(self.statuses["forged"])

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))] if data else 0.0

    def summary(self) -> str:
        return (f"{self.sent} deliveries ({len(self.statuses['forged'])} forged, "
                f"{len(self.orders)} distinct orders) in {self.seconds:.1f}s: "
                f"{self.sent / self.seconds:.0f}/s, p50 {1000 * self.percentile(50):.1f} ms, "
                f"p99 {1000 * self.percentile(99):.1f} ms, max "
                f"{1000 * max(self.latencies, default=0):.1f} ms, mean "
                f"{1000 * statistics.fmean(self.latencies or [0]):.1f} ms")


def plan(n_orders: int, *, seed: int = 6, first_id: int = 10_000_000) -> list[tuple[str, dict,
                                                                                   str, bool]]:
    """(kind, payload, webhook id, forged) deliveries: every order once, 15 % repeated with
    the same webhook id, 5 % again under a new webhook id, 10 % forged copies."""
    rng = random.Random(seed)
    out = []
    for i in range(n_orders):
        oid = first_id + i
        ip = f"198.51.100.{rng.randrange(1, 250)}"
        payload = order(oid, email=f"buyer{rng.randrange(n_orders)}@example.com",
                        customer_id=1000 + rng.randrange(n_orders),
                        total=f"{rng.uniform(5, 300):.2f}", ip=ip,
                        created_at=f"2026-11-21T{8 + i * 10 // n_orders:02d}:{i % 60:02d}:00Z")
        webhook_id = str(uuid.uuid4())
        out.append(("valid", payload, webhook_id, False))
        if rng.random() < 0.15:
            out.append(("valid", payload, webhook_id, False))
        if rng.random() < 0.05:
            out.append(("valid", payload, str(uuid.uuid4()), False))
        if rng.random() < 0.10:
            out.append(("forged", payload, str(uuid.uuid4()), True))
    rng.shuffle(out)
    return out


def send(url: str, deliveries: list, *, senders: int = 8, halfway=None,
         timeout: float = 10.0) -> LoadResult:
    """Send the deliveries from `senders` threads; call `halfway()` once at 50 %."""
    result = LoadResult(orders=sorted({p["id"] for k, p, _, f in deliveries if not f}))
    lock = threading.Lock()
    cursor = iter(range(len(deliveries)))
    half = len(deliveries) // 2
    fired = threading.Event()

    def worker():
        with httpx.Client(timeout=timeout) as client:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                if i >= half and halfway is not None and not fired.is_set():
                    with lock:
                        if not fired.is_set():
                            fired.set()
                            threading.Thread(target=halfway, daemon=True).start()
                kind, payload, webhook_id, forged = deliveries[i]
                body, headers = delivery("orders/create", payload, webhook_id=webhook_id,
                                         secret="forged-secret-forged-secret-000" if forged
                                         else API_SECRET)
                t0 = time.perf_counter()
                try:
                    status = client.post(f"{url}/webhooks/shopify", content=body,
                                         headers=headers).status_code
                except httpx.HTTPError as err:
                    status = 0
                    with lock:
                        result.errors.append(f"{type(err).__name__}: {err}")
                elapsed = time.perf_counter() - t0
                with lock:
                    result.statuses[kind].append(status)
                    if not forged:
                        result.latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    result.seconds = time.perf_counter() - started
    return result


def wait_assessed(count_written, expected: int, timeout: float = 240) -> int:
    """Poll `count_written()` until it reaches `expected` (or time runs out)."""
    deadline = time.monotonic() + timeout
    n = count_written()
    while n < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        n = count_written()
    return n


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]
