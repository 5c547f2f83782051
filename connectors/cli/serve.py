"""`shelfwise serve`: the Shopify app's web server and background worker together."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import click


class _Supervisor:
    """Keep one background-worker process (``python -m webhooks.worker``) beside the server."""

    def __init__(self, workers: int):
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.started = 0.0
        self.delay = 0.5

    def start(self) -> None:
        # beside the web server, webhook answers go first: the worker runs at nice 10
        self.proc = subprocess.Popen([sys.executable, "-m", "webhooks.worker", "--workers",
                                      str(self.workers), "--nice", "10"])
        self.started = time.monotonic()
        threading.Thread(target=self._watch, name="shelfwise-worker-watch", daemon=True).start()

    def _watch(self) -> None:
        # poll() also notices a worker the web server's SIGCHLD handler already reaped.
        while not self.stopping.wait(1.0):
            if self.proc is not None and self.proc.poll() is not None:
                # a worker that dies at once (bad configuration) is restarted more slowly
                self.delay = 1.0 if time.monotonic() - self.started > 30 else \
                    min(2 * self.delay, 30.0)
                click.echo(f"background worker exited; restarting in {self.delay:.0f}s",
                           err=True)
                if self.stopping.wait(self.delay):
                    return
                self.start()
                return

    def stop(self) -> None:
        self.stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # huey: finish running tasks, then exit
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Web request threads.")
@click.option("--job-workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Background job threads.")
def serve(host: str, port: int, threads: int, job_workers: int) -> None:
    """Run the Shopify app: web server (gunicorn) and background worker (huey) together.

    Configuration comes from the environment and a .env file (SHOPIFY_API_KEY,
    SHOPIFY_API_SECRET, SHELFWISE_SECRET_KEY, SHELFWISE_DATABASE_URL, SHELFWISE_QUEUE_URL).
    For several web workers and job consumers, run them apart (see README).

    Example: shelfwise serve --host 0.0.0.0 --port 8000
    """
    from gunicorn.app.base import BaseApplication

    from webhooks import create_app

    try:
        create_app()  # check the configuration and migrate before forking anything
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err
    supervisor = _Supervisor(job_workers)

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "webhooks.server.ThreadWorker")  # slow-client deadline
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)
            self.cfg.set("when_ready", lambda server: supervisor.start())
            self.cfg.set("on_exit", lambda server: supervisor.stop())

        def load(self):
            return create_app()

    click.echo(f"Shelfwise on http://{host}:{port} (web and background worker)", err=True)
    started = time.monotonic()
    _Server().run()
    if time.monotonic() - started < 2:
        raise click.ClickException(f"the web server could not start on {host}:{port}")
