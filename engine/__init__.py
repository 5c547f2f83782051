"""Shelfwise's models: pure functions and estimators on numpy/pandas.

No I/O, no web, no clock: data and dates come in as arguments. Importable in
Pyodide (xlwings Lite), so only numpy, pandas, scipy, statsmodels and scikit-learn.
"""

from engine.errors import InputError

__all__ = ["InputError"]
