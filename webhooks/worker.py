"""A background worker: ``python -m webhooks.worker [--workers N]``.

Builds its own app, re-enqueues deliveries a dead worker left queued, then runs the huey
consumer in the foreground (SIGINT stops gracefully). ``huey_consumer webhooks.jobs.huey``
works too; this entry point adds the start-up sweep.
"""

from __future__ import annotations

import argparse
import logging


def run(workers: int = 4, worker_type: str = "thread") -> None:
    """Run a consumer of the configured queue until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                                                   "%(message)s")
    from webhooks import create_app, jobs

    app = create_app()
    jobs.bind_app(app)
    with app.app_context():
        jobs.requeue(older_than=0)
    consumer = jobs.huey.create_consumer(workers=workers, worker_type=worker_type,
                                         periodic=True, check_worker_health=True)
    consumer.run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webhooks.worker", description=__doc__)
    parser.add_argument("--workers", type=int, default=4, help="worker threads (default 4)")
    args = parser.parse_args(argv)
    run(workers=args.workers)


if __name__ == "__main__":
    main()
