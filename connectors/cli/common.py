"""What every command shares: the exit-2 input error, the output option and the progress bar."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import click

from connectors.files import FileError, engine_error_in, file_name
from engine.errors import InputError


class BadInput(click.ClickException):
    """Bad input: one `Error: ...` line on stderr and exit status 2 (contract)."""

    exit_code = 2


@contextlib.contextmanager
def input_errors(source: object) -> Iterator[None]:
    """Turn file and engine errors raised inside the block into `BadInput` naming `source`."""
    try:
        yield
    except FileError as err:
        raise BadInput(str(err)) from err
    except InputError as err:
        raise BadInput(str(engine_error_in(file_name(source), err))) from err


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
    show_default="standard output", help="CSV file to write.")


format_option = click.option(
    "--format", "fmt", type=click.Choice(["csv", "table"]), default="csv", show_default=True,
    help="csv for files and programs; table for an aligned, rounded table to read on screen.")


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; a bar is drawn on stderr only when stderr is a terminal."""
    if total <= 1 or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update
