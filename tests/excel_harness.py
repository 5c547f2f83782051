"""Run Shelfwise's Excel functions through xlwings' real conversion pipeline on Linux.

Off Windows, `xw.func`/`xw.arg`/`xw.ret` return the function unchanged and drop their
options. The harness records those options the way xlwings' Windows decorators do
(rejecting unknown argument names), registers a stub "excel" engine that cleans cell
values like the Windows COM engine, and calls a function as xlwings' `call_udf` does:
`conversion.read` on each argument, the call, `conversion.write` on the result.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

import numpy as np
import pandas as pd
import xlwings as xw
from xlwings import conversion

# The COM error codes Excel passes for error cells (xlwings/_xlwindows.py, cell_errors).
CELL_ERRORS = {
    -2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
    -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!",
}
NA = -2146826246


class _WindowsLikeEngine:
    """Cleans values as xlwings' Windows engine does (`_xlwindows.Engine`)."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def prepare_xl_data_element(x, options):
        if isinstance(x, dt.datetime | dt.date):
            return x
        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return ""
        if isinstance(x, np.number):
            return float(x)
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(value):
            if value in ("", None):
                return empty_as
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            if isinstance(value, int) and not isinstance(value, bool) and value in CELL_ERRORS:
                return CELL_ERRORS[value] if err_to_str else None
            return value

        return [[clean(c) for c in row] for row in data]


def _record_func(f=None, **kwargs):
    def inner(f):
        meta = _meta(f)
        meta["func_options"] = kwargs
        return f
    return inner(f) if f is not None else inner


def _record_arg(name, convert=None, **options):
    def inner(f):
        meta = _meta(f)
        if name.lstrip("*") not in meta["args"]:
            raise Exception(f"Invalid argument name '{name}'.")  # as xlwings.udfs.xlarg
        options.pop("doc", None)
        if convert is not None:
            options["convert"] = convert
        meta["args"][name.lstrip("*")].update(options)
        return f
    return inner


def _record_ret(convert=None, **options):
    def inner(f):
        if convert is not None:
            options["convert"] = convert
        _meta(f)["ret"].update(options)
        return f
    return inner


def _meta(f):
    if not hasattr(f, "__xlmeta__"):
        params = inspect.signature(f).parameters
        f.__xlmeta__ = {"args": {p: {} for p in params}, "ret": {},
                        "defaults": {p: v.default for p, v in params.items()}}
    return f.__xlmeta__


def load_udfs(monkeypatch):
    """Import `excel_addin.udfs` afresh with recording decorators and the stub engine."""
    monkeypatch.setattr(xw, "func", _record_func)
    monkeypatch.setattr(xw, "arg", _record_arg)
    monkeypatch.setattr(xw, "ret", _record_ret)
    if "excel" not in [e.name for e in xw.engines]:
        xw.engines.add(xw.main.Engine(impl=_WindowsLikeEngine()))
    import excel_addin

    for info in pkgutil.iter_modules(excel_addin.__path__, "excel_addin."):
        importlib.reload(importlib.import_module(info.name))
    return importlib.reload(importlib.import_module("excel_addin.udfs"))


def call(function, *cells):
    """Call a UDF as Excel would: ranges as tuples of row tuples, scalars as values.

    Missing optional arguments take their defaults; the result comes back as the
    2-D list Excel receives.
    """
    meta = function.__xlmeta__
    names = list(meta["args"])
    args = []
    for i, name in enumerate(names):
        if i < len(cells):
            args.append(conversion.read(None, cells[i], dict(meta["args"][name])))
        else:
            args.append(meta["defaults"][name])
    result = function(*args)
    return conversion.write(result, None, dict(meta["ret"]))
