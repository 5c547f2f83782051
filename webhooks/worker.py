"""A background worker: ``python -m webhooks.worker [--workers N]``.

Builds its own app, loads every task (`webhooks.tasks`), enqueues again the deliveries
whose lease ran out (a dead worker held them), then runs the huey consumer in the
foreground (SIGINT stops gracefully). ``huey_consumer webhooks.tasks.huey`` works too;
this entry point adds the start-up sweep.
"""

from __future__ import annotations

import argparse
import logging
import os


def run(workers: int = 4, worker_type: str = "thread", nice: int = 0) -> None:
    """Run a consumer of the configured queue until stopped.

    `nice` lowers the worker's CPU priority (Unix), so that beside the web server on the
    same machine, acknowledging webhooks goes first and background scoring waits.
    """
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                                                   "%(message)s")
    from webhooks import create_app, deliveries, queue, tasks

    app = create_app()
    queue.bind_app(app)
    with app.app_context():
        deliveries.requeue_expired()
    consumer = tasks.huey.create_consumer(workers=workers, worker_type=worker_type,
                                          periodic=True, check_worker_health=True)
    consumer.run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webhooks.worker", description=__doc__)
    parser.add_argument("--workers", type=int, default=4, help="worker threads (default 4)")
    parser.add_argument("--nice", type=int, default=0,
                        help="lower the CPU priority by this much (default 0)")
    args = parser.parse_args(argv)
    run(workers=args.workers, nice=args.nice)


if __name__ == "__main__":
    main()
