"""Load and fault harness for the webhook endpoint (loopback only, bounded, stops by itself).

Used by `tests/app/test_app_load.py`, `tests/app/test_app_scaleout.py` and `benchmarks/webhooks.py`:
start the Shopify stand-in and the app's processes, send signed `orders/create` deliveries
(with repeats, forged and malformed ones, and one invalid order) from several concurrent
senders, kill a worker half-way and restart it, then wait until every order is assessed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
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


KINDS = ("valid", "repeat", "forged", "malformed", "bad_order")
"""Delivery kinds of a plan; every kind but ``forged`` must be answered 200."""
FORGED_SECRET = "forged-secret-forged-secret-000"


@dataclass
class LoadResult:
    orders: list[int]  # the valid orders, each to be assessed exactly once
    bad_orders: list[int] = field(default_factory=list)  # signed but invalid: never assessed
    latencies: list[float] = field(default_factory=list)  # seconds, every signed delivery
    statuses: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return sum(len(v) for v in self.statuses.values())

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))] if data else 0.0

    def summary(self) -> str:
        counts = ", ".join(f"{len(v)} {k}" for k, v in self.statuses.items() if v)
        return (f"{self.sent} deliveries ({counts}; {len(self.orders)} distinct valid orders) "
                f"in {self.seconds:.1f}s: {self.sent / self.seconds:.0f}/s, "
                f"p50 {1000 * self.percentile(50):.1f} ms, "
                f"p99 {1000 * self.percentile(99):.1f} ms, max "
                f"{1000 * max(self.latencies, default=0):.1f} ms, mean "
                f"{1000 * statistics.fmean(self.latencies or [0]):.1f} ms")


MALFORMED = (b'{"id": 1, "created_at": ', b"[1, 2]", b"null", b'{"id": null}', b"\xff\xfe",
             b'{"id": 5, "created_at": "yesterday", "total_price": "1.00"}')


def plan(n_orders: int, *, seed: int = 6, first_id: int = 10_000_000, repeats: float = 0.10,
         forged: float = 0.10, malformed: float = 0.02, bad_order: bool = True
         ) -> list[tuple[str, dict | bytes, str]]:
    """(kind, payload or raw body, webhook id) deliveries: every order once; `repeats` of
    them again with the same webhook id and half as many under a new one; `forged` copies
    with a wrong HMAC; `malformed` signed bodies that are not orders; and, with
    `bad_order`, one signed order without ``created_at`` in the middle of the run."""
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
        out.append(("valid", payload, webhook_id))
        if rng.random() < repeats:
            out.append(("repeat", payload, webhook_id))
        if rng.random() < repeats / 2:
            out.append(("repeat", payload, str(uuid.uuid4())))
        if rng.random() < forged:
            out.append(("forged", payload, str(uuid.uuid4())))
    for i in range(int(round(n_orders * malformed))):
        out.append(("malformed", MALFORMED[i % len(MALFORMED)], str(uuid.uuid4())))
    rng.shuffle(out)
    if bad_order:
        bad = order(first_id + n_orders, created_at=None)
        del bad["created_at"]
        out.insert(len(out) // 2, ("bad_order", bad, str(uuid.uuid4())))
    return out


def send(url: str, deliveries: list, *, senders: int = 8, halfway=None,
         timeout: float = 10.0) -> LoadResult:
    """Send the deliveries from `senders` threads; call `halfway()` once at 50 %."""
    result = LoadResult(orders=sorted({p["id"] for k, p, _ in deliveries if k == "valid"}),
                        bad_orders=[p["id"] for k, p, _ in deliveries if k == "bad_order"])
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
                kind, payload, webhook_id = deliveries[i]
                raw = payload if isinstance(payload, bytes) else None
                body, headers = delivery("orders/create", None if raw else payload, raw=raw,
                                         webhook_id=webhook_id,
                                         secret=FORGED_SECRET if kind == "forged"
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
                    if kind != "forged":
                        result.latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    result.seconds = time.perf_counter() - started
    return result


def _send_in_child(url, deliveries, senders, half, results) -> None:
    results.put(send(url, deliveries, senders=senders, halfway=half.set))


def send_from_process(url: str, deliveries: list, *, senders: int = 8, halfway=None
                      ) -> LoadResult:
    """`send` from a process of its own, so the senders' threads do not share a GIL with
    the stand-in serving the app (the latencies are the server's, not the test's)."""
    ctx = multiprocessing.get_context("spawn")
    half, results = ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_send_in_child, args=(url, deliveries, senders, half, results))
    child.start()
    if halfway is not None:
        def watch():
            if half.wait(900):
                halfway()
        threading.Thread(target=watch, daemon=True).start()
    try:
        return results.get(timeout=1200)
    finally:
        child.join(30)


def check_run(result: LoadResult, standin, written: int, settled: bool) -> None:
    """What a load run must show: forged 401, every other delivery 200, every valid order
    assessed exactly once on Shopify, the bad order never, no document rejected."""
    import collections

    assert result.errors == []
    assert set(result.statuses["forged"]) <= {401}
    for kind in ("valid", "repeat", "malformed", "bad_order"):
        assert set(result.statuses[kind]) <= {200}, (kind, collections.Counter(
            result.statuses[kind]))
    assert written == len(result.orders)
    per_order = collections.Counter(
        m["variables"]["orderId"] for m in standin.mutations
        if m["name"] == "orderRiskAssessmentCreate")
    assert set(per_order) == {f"gid://shopify/Order/{i}" for i in result.orders}
    assert set(per_order.values()) == {1}, "an order was assessed more than once"
    assert standin.rejected == []
    assert settled


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
