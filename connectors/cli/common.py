"""What every command shares: the exit-2 input error, the reading options, the output and
country options and the progress bar."""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import click

from connectors.files import FileError, engine_error_in, file_name
from connectors.readers import FORMAT_NAMES, Read, parse_columns, read_stock
from engine.errors import InputError


class BadInput(click.ClickException):
    """Bad input: one `Error: ...` line on stderr and exit status 2 (contract)."""

    exit_code = 2


@contextlib.contextmanager
def input_errors(source: object, headers: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn file and engine errors raised inside the block into `BadInput` naming `source`.

    `headers` (a `Read`'s) names an engine error's column as the file has it (`Created at`
    for `ds`)."""
    try:
        yield
    except FileError as err:
        raise BadInput(str(err)) from err
    except InputError as err:
        if headers and err.column in headers:
            err.column = headers[err.column]
        raise BadInput(str(engine_error_in(file_name(source), err))) from err


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
    show_default="standard output", help="CSV file to write.")


output_format_option = click.option(
    "--output-format", "output_format", type=click.Choice(["csv", "table"]), default="csv",
    show_default=True,
    help="csv for files and programs; table for an aligned, rounded table to read on screen.")


def _country_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A code the holidays package knows, checked before any file is read (exit 2)."""
    if value is None:
        return None
    import pandas as pd

    from engine.anomalies import checked_country

    _, problem = checked_country(value, pd.Series(pd.to_datetime(["2024-01-01"])))
    if problem:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


country_option = click.option(
    "--country", metavar="CC", default=None, callback=_country_code,
    help="Country code (US, GB, DE; DE-BY for a state) whose public holidays explain "
         "days out of line: anomaly false, the holiday named in reason.")

#: The --format names of stock files (the others name sales or order files).
STOCK_FORMATS = ("shopify-inventory", "shopify-products", "woocommerce-products")

#: What `--help` says about reading, the same for every command (the reading rule).
READING_RULE = (
    "Files are recognised by their header: Shopify orders, inventory and products exports, "
    "WooCommerce orders and products, Square item sales, Etsy sold items, invoice lines (UCI "
    "Online Retail) or the canonical columns. Times are the shop's local date and time as "
    "written (a +0100 offset is not applied) and become days unless --freq says otherwise. "
    "Cancelled orders are left out; refunded orders (Financial Status refunded) are left out "
    "of demand; partially refunded orders count in full; returns (negative quantities, C "
    "invoices, Square refunds) are reported, never subtracted.")


@dataclass(frozen=True)
class Reading:
    """The reading options of one command run (--format, --columns, --dayfirst, --quiet)."""

    fmt: str = "auto"
    columns: Mapping[str, str] = field(default_factory=dict)
    dayfirst: bool | None = None
    quiet: bool = False

    def read(self, reader: Callable[..., Read], source: object, *, say: bool = True,
             **options) -> Read:
        """Call a `connectors.readers` function; exit 2 on bad input. Its summary goes to
        stderr now, or (`say=False`) later with what the command adds, as one line."""
        fmt, columns = self.fmt, self.columns
        if reader is read_stock and fmt not in STOCK_FORMATS:
            # --format and --columns describe the sales or orders file, not the stock file
            fmt, columns = "auto", {}
        with input_errors(source):
            result = reader(source, fmt=fmt, columns=columns, dayfirst=self.dayfirst,
                            **options)
        if say:
            self.say(result.summary)
        return result

    said: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        """Part of the one summary line on stderr (unless --quiet), written when the command
        succeeds: an error is then the only line."""
        if not self.quiet and line:
            self.said.append(line)

    def flush(self) -> None:
        """Write what the command said as one line on stderr."""
        if self.said:
            parts = (part.strip().removesuffix(".") for line in self.said
                     for part in line.split("; "))
            click.echo("; ".join(dict.fromkeys(parts)), err=True)  # a file read twice: once
            self.said.clear()


def _columns_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dict:
    try:
        return parse_columns(value)
    except FileError as err:
        raise BadInput(f"--columns: {err.message}") from err


def reader_options(command: Callable) -> Callable:
    """Add --format, --columns, --dayfirst/--monthfirst and --quiet; pass them as `reading`."""

    @functools.wraps(command)
    def wrapper(*args, input_format, columns, dayfirst, quiet, **kwargs):
        reading = Reading(input_format, columns, dayfirst, quiet)
        with no_runtime_warnings():
            result = command(*args, reading=reading, **kwargs)
        reading.flush()
        return result

    options = [
        click.option("--format", "input_format", type=click.Choice(FORMAT_NAMES),
                     default="auto", show_default=True, metavar="NAME",
                     help="Layout of the input file: auto recognises it by its header; or "
                          "one of " + ", ".join(FORMAT_NAMES[1:]) + "."),
        click.option("--columns", callback=_columns_option, metavar="KEY=HEADER,...",
                     help="Map the file's headers onto the canonical columns, e.g. "
                          "unique_id=\"Lineitem sku\",ds=\"Created at\",y=\"Lineitem "
                          "quantity\"."),
        click.option("--dayfirst/--monthfirst", "dayfirst", default=None,
                     help="How to read dates like 03/04/2024 when no value shows it "
                          "(a first field over 12 proves day-first)."),
        click.option("--quiet", "-q", is_flag=True,
                     help="Do not print the one-line summary of what was read."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


@contextlib.contextmanager
def no_runtime_warnings() -> Iterator[None]:
    """Numerical warnings (empty means, log of 0) are not for a shop owner's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; a bar is drawn on stderr only when stderr is a terminal."""
    if total <= 1 or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update
