"""Upsell and cross-sell: items bought together, for a product page and for a cart.

Orders become a sparse order x product matrix ``X`` (one where a product is in an order);
``C = X.T @ W @ X`` counts, per pair of products, the orders holding both (``W`` weighs
recent orders more when a half-life is given). A companion ``j`` of product ``i`` scores

    sim(i, j) = C[i, j] / (n_i ** alpha * n_j ** (1 - alpha)) * C[i, j] / (C[i, j] + shrinkage)

(``alpha=0.5`` is the cosine; the last factor shrinks pairs seen in few orders towards
zero), and a cart scores ``sum(sim(i, j) for i in cart) + popularity_weight * share_j``,
where ``share_j`` is the share of orders holding ``j``. The popularity term breaks ties
and is all that is left for a product never bought with anything (a cold item).

Support, confidence and lift are reported on plain order counts, to explain a pair:
``support = n_ij / n``, ``confidence = n_ij / n_i`` (the share of orders with ``i`` that
also hold ``j``) and ``lift = confidence / (n_j / n)``. Lift explains; it does not rank.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from engine.errors import InputError
from engine.validation import number, timestamp, whole_number

REC_COLUMNS = ["product_id", "rank", "recommended_id", "score", "support", "confidence", "lift"]
CART_COLUMNS = ["query_id", "rank", "recommended_id", "score"]
_CHUNK = 4096  # carts scored per sparse product on large catalogs: bounds memory
_DENSE_MAX_ITEMS = 20_000  # up to this many products, carts are scored as dense blocks
_DENSE_CELLS = 1 << 22  # cells per dense block (32 MB of float64)


class UpsellRecommender(BaseEstimator):
    """Recommend products bought together, per product and per cart.

    Parameters
    ----------
    top : int, default=10
        Recommendations per product or cart.
    alpha : float or None, default=None
        Exponent on the count of the product already chosen; ``1 - alpha`` goes on the
        candidate's count. 0.5 is the cosine; 1 ranks by confidence and so favours
        best-sellers. None picks it from `ALPHAS` by validation (see Notes).
    popularity_weight : float or None, default=None
        Weight of the candidate's share of orders added to every score: the fallback for
        products never bought with anything, and how far a shop's best-sellers pull ahead
        of a cart's own companions. None picks it from `POPULARITY_WEIGHTS` by validation.
    shrinkage : float, default=2.0
        Pairs bought together in ``k`` orders keep ``k / (k + shrinkage)`` of their score,
        so a pair seen once does not outrank one seen fifty times.
    half_life_days : float or None, default=None
        When set (and ``created_at`` is given), an order ``d`` days before ``as_of`` counts
        ``0.5 ** (d / half_life_days)`` in the scores. Support, confidence and lift stay
        plain counts.
    as_of : datetime-like or None, default=None
        The day recommendations are made for; lines after it are ignored. Defaults to the
        latest ``created_at`` in the lines.
    validation_share : float, default=0.2
        Share of orders held back to choose ``alpha`` and ``popularity_weight``: the
        latest ones when lines have ``created_at``, a random draw otherwise.
    max_validation_orders : int, default=2000
        At most this many held-back orders are scored (a random draw of them).
    random_state : int, default=0
        Seed of the random draws, so that a fit is repeatable.

    Attributes
    ----------
    products_ : ndarray of object
        Product ids seen in the lines, in first-seen order.
    n_orders_ : int
        Orders counted.
    counts_ : ndarray of shape (n_products,)
        Orders holding each product.
    together_ : scipy.sparse.csr_matrix of shape (n_products, n_products)
        Orders holding both products (diagonal removed).
    similarity_ : scipy.sparse.csr_matrix of shape (n_products, n_products)
        ``sim(i, j)`` above, row ``i`` the product already chosen.
    popularity_ : ndarray of shape (n_products,)
        Share of orders (recency-weighted when a half-life is given) holding each product.
    alpha_, popularity_weight_ : float
        The values used: the parameters when given, else the validation's choice.
    validation_ : DataFrame or None
        ``alpha, popularity_weight, hit, ndcg, baskets`` for every setting tried (hit and
        NDCG at ``top`` when one item is hidden from each held-back basket); None when
        nothing was chosen or too few baskets were held back.
    titles_ : dict of str to str
        Product titles, when the lines have a ``product_title`` column.

    Notes
    -----
    Shops differ: in a bike shop what goes with the bike matters most, in a grocery the
    best-sellers are hard to beat. Rather than one compromise, `fit` holds back the latest
    ``validation_share`` of orders, hides one item from each held-back basket of two or
    more products, and keeps the ``alpha`` and ``popularity_weight`` that find the hidden
    item in the top ``top`` most often (the best NDCG, then the smaller weight, on a tie).
    With fewer than `MIN_VALIDATION_BASKETS` such baskets it keeps ``alpha=0.5`` and
    ``popularity_weight=0.1``. It then refits on every order.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"order_id": [1, 1, 2, 2, 3], "product_id": ["bike", "helmet",
    ...                       "bike", "helmet", "bottle"]})
    >>> model = UpsellRecommender(top=2, popularity_weight=0.2).fit(lines)
    >>> model.recommend(pd.DataFrame({"query_id": ["c1"], "product_id": ["bike"]}))
      query_id  rank recommended_id     score
    0       c1     1         helmet  0.633333
    1       c1     2         bottle  0.066667
    """

    ALPHAS = (0.5, 0.75, 1.0)
    POPULARITY_WEIGHTS = (0.0, 0.03, 0.1, 0.3, 1.0, 3.0, 30.0)
    MIN_VALIDATION_BASKETS = 30
    DEFAULT_ALPHA, DEFAULT_POPULARITY_WEIGHT = 0.5, 0.1

    def __init__(self, top: int = 10, *, alpha: float | None = None,
                 popularity_weight: float | None = None, shrinkage: float = 2.0,
                 half_life_days: float | None = None, as_of: object = None,
                 validation_share: float = 0.2, max_validation_orders: int = 2000,
                 random_state: int = 0):
        self.top = top
        self.alpha = alpha
        self.popularity_weight = popularity_weight
        self.shrinkage = shrinkage
        self.half_life_days = half_life_days
        self.as_of = as_of
        self.validation_share = validation_share
        self.max_validation_orders = max_validation_orders
        self.random_state = random_state

    def fit(self, lines: pd.DataFrame) -> UpsellRecommender:
        """Learn which products are bought together.

        Parameters
        ----------
        lines : DataFrame
            One row per order line: ``order_id``, ``product_id``; optional ``quantity``
            (lines with zero or negative quantity, i.e. returns, are skipped),
            ``customer_id`` (unused), ``created_at`` (for ``as_of``, the half-life and the
            validation split), ``product_title``.

        Returns
        -------
        self : UpsellRecommender
        """
        _check_params(self)
        orders, products, dates, titles = _clean_lines(lines)
        as_of = None
        if dates is not None:
            as_of = dates.max() if self.as_of is None else timestamp(self.as_of, "as_of")
            keep = (dates <= as_of).to_numpy()
            if not keep.any():
                raise InputError(f"every order is after as_of ({as_of:%Y-%m-%d})",
                                 column="created_at")
            orders, products, dates = orders[keep], products[keep], dates[keep]
        self.products_, X, age = _order_matrix(orders, products, dates, as_of)
        weight = None if age is None or self.half_life_days is None else \
            0.5 ** (age / float(self.half_life_days))
        self.alpha_, self.popularity_weight_, self.validation_ = self._choose(X, age, weight)
        self.n_orders_ = X.shape[0]
        self.counts_ = np.asarray(X.sum(axis=0)).ravel()
        self.together_ = _together(X)
        weighted, n_weighted, total = _weighted_counts(X, weight, self.together_, self.counts_)
        self.similarity_ = _similarity(weighted, n_weighted, self.alpha_, self.shrinkage)
        self.popularity_ = n_weighted / total
        self.titles_ = titles
        self._index = pd.Index(self.products_)
        return self

    def _choose(self, X, age, weight):
        """``alpha``, ``popularity_weight`` and the validation table (see Notes)."""
        alphas = self.ALPHAS if self.alpha is None else (float(self.alpha),)
        weights = self.POPULARITY_WEIGHTS if self.popularity_weight is None \
            else (float(self.popularity_weight),)
        chosen = (alphas[0] if len(alphas) == 1 else self.DEFAULT_ALPHA,
                  weights[0] if len(weights) == 1 else self.DEFAULT_POPULARITY_WEIGHT)
        if len(alphas) * len(weights) == 1:
            return *chosen, None
        rng = np.random.default_rng(self.random_state)
        split = _holdout(X, age, self.validation_share, int(self.max_validation_orders), rng)
        if split is None or split[1].shape[0] < self.MIN_VALIDATION_BASKETS:
            return *chosen, None
        fit_rows, cart, hidden = split
        X_fit = X[fit_rows]
        w_fit = None if weight is None else weight[fit_rows]
        n_fit = np.asarray(X_fit.sum(axis=0)).ravel()
        weighted, n_weighted, total = _weighted_counts(X_fit, w_fit, _together(X_fit), n_fit)
        top = int(self.top)
        rows = []
        for alpha in alphas:
            sim = _similarity(weighted, n_weighted, alpha, self.shrinkage)
            for pw in weights:
                r, c, _ = _top_n(cart, sim, pw * n_weighted / total, top, np.zeros(0, int))
                rank = np.arange(len(r)) - np.searchsorted(r, r)
                found = rank[c == hidden[r]]
                rows.append({"alpha": alpha, "popularity_weight": pw,
                             "hit": len(found) / len(hidden),
                             "ndcg": float(np.sum(1 / np.log2(found + 2)) / len(hidden)),
                             "baskets": len(hidden)})
        table = pd.DataFrame(rows)
        best = table.sort_values(["hit", "ndcg", "popularity_weight", "alpha"],
                                 ascending=[False, False, True, True], kind="stable").iloc[0]
        return float(best["alpha"]), float(best["popularity_weight"]), table

    def similar(self, products: Iterable | None = None, *, top: int | None = None,
                exclude: Iterable = ()) -> pd.DataFrame:
        """Companions for product pages, with the numbers that explain them.

        Parameters
        ----------
        products : iterable, optional
            Products to recommend for; every product seen in ``fit`` by default. Unknown
            products get the best-sellers.
        top : int, optional
            Companions per product; the ``top`` given at construction by default.
        exclude : iterable, default=()
            Products never to recommend (e.g. out of stock).

        Returns
        -------
        DataFrame
            ``product_id, rank, recommended_id, score, support, confidence, lift,
            orders_together``: at most ``top`` rows per product, rank 1 best.
        """
        _check_fitted(self)
        products = self.products_ if products is None else list(products)
        queries = pd.DataFrame({"query_id": products, "product_id": products})
        recs = self.recommend(queries, top=top, exclude=exclude)
        recs = recs.rename(columns={"query_id": "product_id"})
        return pd.concat([recs, self.explain(recs["product_id"], recs["recommended_id"])],
                         axis=1)[REC_COLUMNS + ["orders_together"]]

    def recommend(self, carts: pd.DataFrame, *, top: int | None = None,
                  exclude: Iterable = ()) -> pd.DataFrame:
        """Complete carts: the best products to add, never one already in the cart.

        Parameters
        ----------
        carts : DataFrame
            ``query_id``, ``product_id``: the products already in each cart. Products
            unknown to the model are ignored (a cart of only those gets the best-sellers).
        top : int, optional
            Recommendations per cart; the ``top`` given at construction by default.
        exclude : iterable, default=()
            Products never to recommend (e.g. out of stock).

        Returns
        -------
        DataFrame
            ``query_id, rank, recommended_id, score``: at most ``top`` rows per cart.
        """
        _check_fitted(self)
        top = whole_number(self.top if top is None else top, "top")
        carts = _check_columns(carts, ["query_id", "product_id"])
        query_ids, q = np.unique(carts["query_id"].astype(str).to_numpy(), return_inverse=True)
        p = self._index.get_indexer(carts["product_id"].astype(str).to_numpy())
        known = p >= 0
        cart = sparse.csr_matrix((np.ones(known.sum()), (q[known], p[known])),
                                 shape=(len(query_ids), len(self.products_)))
        cart.sum_duplicates()
        cart.data[:] = 1.0
        banned = self._index.get_indexer(pd.Index([str(x) for x in exclude]))
        rows, cols, scores = _top_n(cart, self.similarity_, self.popularity_weight_
                                    * self.popularity_, top, banned[banned >= 0])
        first_seen = pd.unique(carts["query_id"].astype(str))
        order = pd.Index(first_seen).get_indexer(query_ids)[rows]
        table = pd.DataFrame({"query_id": query_ids[rows], "rank": 0,
                              "recommended_id": self.products_[cols], "score": scores,
                              "_order": order})
        table = table.sort_values(["_order", "score"], ascending=[True, False], kind="stable")
        table["rank"] = table.groupby("_order").cumcount() + 1
        return table[CART_COLUMNS].reset_index(drop=True)

    def explain(self, products: Iterable, recommended: Iterable) -> pd.DataFrame:
        """Support, confidence, lift and orders together for each pair (product, recommended)."""
        _check_fitted(self)
        i = self._index.get_indexer(pd.Index([str(x) for x in products]))
        j = self._index.get_indexer(pd.Index([str(x) for x in recommended]))
        both = np.zeros(len(i))
        ok = (i >= 0) & (j >= 0)
        if ok.any():
            both[ok] = np.asarray(self.together_[i[ok], j[ok]]).ravel()
        n = float(self.n_orders_)
        n_i = np.where(i >= 0, self.counts_[i], 0.0)
        n_j = np.where(j >= 0, self.counts_[j], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            confidence = np.where(n_i > 0, both / n_i, 0.0)
            lift = np.where(n_j > 0, confidence / (n_j / n), 0.0)
        return pd.DataFrame({"support": both / n, "confidence": confidence, "lift": lift,
                             "orders_together": both.astype(int)})

    def why(self, product: object, recommended: Iterable) -> list[str]:
        """A short sentence per companion of ``product`` saying why it is recommended."""
        recommended = list(recommended)
        facts = self.explain([product] * len(recommended), recommended)
        name = self.titles_.get(str(product), str(product))
        return [f"bought in {c:.0%} of orders with {name} ({int(k)} orders, lift {lift:.1f})"
                if k > 0 else "best-seller (not yet bought with it)"
                for c, k, lift in zip(facts["confidence"], facts["orders_together"],
                                      facts["lift"], strict=True)]


def upsell_pairs(lines: pd.DataFrame, top: int = 10, *, exclude: Iterable = (),
                 **params) -> pd.DataFrame:
    """Companions of every product in ``lines`` (the ``shelfwise upsell`` table).

    Parameters
    ----------
    lines : DataFrame
        Order lines, as for `UpsellRecommender.fit`.
    top : int, default=10
        Companions per product.
    exclude : iterable, default=()
        Products never to recommend.
    **params
        Other `UpsellRecommender` parameters.

    Returns
    -------
    DataFrame
        ``product_id, rank, recommended_id, score, support, confidence, lift,
        orders_together``.
    """
    return UpsellRecommender(top, **params).fit(lines).similar(exclude=exclude)


def complete_carts(lines: pd.DataFrame, carts: pd.DataFrame, top: int = 10, *,
                   exclude: Iterable = (), **params) -> pd.DataFrame:
    """Products to add to each cart (``query_id, product_id``), learned from ``lines``.

    Returns ``query_id, rank, recommended_id, score``, never an item already in the cart.
    """
    return UpsellRecommender(top, **params).fit(lines).recommend(carts, exclude=exclude)


# ---------------------------------------------------------------- kernels


def _similarity(together: sparse.csr_matrix, counts: np.ndarray, alpha: float,
                shrinkage: float) -> sparse.csr_matrix:
    """Shrunk asymmetric cosine, row = product already chosen, column = candidate."""
    coo = together.tocoo()
    c = coo.data
    with np.errstate(divide="ignore", invalid="ignore"):
        value = c / (counts[coo.row] ** alpha * counts[coo.col] ** (1.0 - alpha))
    value *= c / (c + shrinkage)
    sim = sparse.csr_matrix((np.nan_to_num(value), (coo.row, coo.col)), shape=together.shape)
    sim.sort_indices()
    return sim


def _top_n(cart: sparse.csr_matrix, sim: sparse.csr_matrix, prior: np.ndarray, n: int,
           banned: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best ``n`` columns per cart row of ``cart @ sim + prior``, skipping cart and banned items.

    Returns row, column and score arrays, by row then best first (ties: lower column).
    Catalogs up to `_DENSE_MAX_ITEMS` score blocks of rows densely; larger ones keep only
    each row's nonzeros plus enough top-prior items, which is exact too: outside the
    nonzeros of ``cart @ sim`` a score is just ``prior``.
    """
    n_items = sim.shape[1]
    cart = cart.tocsr()
    cart.sort_indices()
    by_prior = np.lexsort((np.arange(n_items), -prior))
    dense = n_items <= _DENSE_MAX_ITEMS
    step = max(1, _DENSE_CELLS // max(n_items, 1)) if dense else _CHUNK
    parts = []
    for start in range(0, cart.shape[0], step):
        block = cart[start:start + step]
        scores = (block @ sim).tocsr()
        parts.append(_top_n_dense(block, scores, prior, n, banned, start) if dense else
                     _top_n_block(block, scores, prior, n, banned, by_prior, start))
    if not parts:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))


def _top_n_dense(cart, scores, prior, n, banned, offset):
    n_rows, n_items = scores.shape
    value = scores.toarray()
    value += prior
    value[np.repeat(np.arange(n_rows), np.diff(cart.indptr)), cart.indices] = -np.inf
    value[:, banned] = -np.inf
    k = min(n, n_items)
    kth = -np.partition(-value, k - 1, axis=1)[:, k - 1]
    rows, cols = np.nonzero((value >= kth[:, None]) & np.isfinite(value))  # ties included
    return _first_n(rows, cols, value[rows, cols], n, n_rows, offset)


def _first_n(rows, cols, value, n, n_rows, offset):
    """The ``n`` best of each row from (row, column)-ordered candidates, ties by column."""
    order = np.argsort(-value, kind="stable")
    order = order[np.argsort(rows[order], kind="stable")]
    rows, cols, value = rows[order], cols[order], value[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(n_rows))[rows]
    keep = rank < n
    return rows[keep] + offset, cols[keep], value[keep]


def _top_n_block(cart, scores, prior, n, banned, by_prior, offset):
    n_items = scores.shape[1]
    scores.sort_indices()
    n_rows = cart.shape[0]
    # candidates 1: nonzero co-occurrence scores
    rows_s = np.repeat(np.arange(n_rows), np.diff(scores.indptr))
    keys_s = rows_s.astype(np.int64) * n_items + scores.indices
    # candidates 2: per row, the best-selling items, enough to survive cart and banned removal
    k = np.minimum(n + np.diff(cart.indptr) + len(banned), n_items)
    rows_p = np.repeat(np.arange(n_rows), k)
    within = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    keys_p = rows_p.astype(np.int64) * n_items + by_prior[within]
    keys = np.sort(np.concatenate([keys_s, keys_p]))
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    pos = np.minimum(np.searchsorted(keys_s, keys), max(len(keys_s) - 1, 0))
    hit = keys_s[pos] == keys if len(keys_s) else np.zeros(len(keys), bool)
    value = np.where(hit, scores.data[pos] if len(keys_s) else 0.0, 0.0)
    rows, cols = keys // n_items, keys % n_items
    cart_keys = np.repeat(np.arange(n_rows), np.diff(cart.indptr)).astype(np.int64) * n_items \
        + cart.indices
    at = np.minimum(np.searchsorted(cart_keys, keys), max(len(cart_keys) - 1, 0))
    in_cart = cart_keys[at] == keys if len(cart_keys) else np.zeros(len(keys), bool)
    is_banned = np.zeros(n_items, bool)
    is_banned[banned] = True
    drop = in_cart | is_banned[cols]
    rows, cols, value = rows[~drop], cols[~drop], value[~drop] + prior[cols[~drop]]
    return _first_n(rows, cols, value, n, n_rows, offset)


def _order_matrix(orders, products, dates, as_of):
    """Binary order x product matrix, product ids in first-seen order, and order ages in days."""
    o, _ = pd.factorize(orders)
    p, names = pd.factorize(products)
    X = sparse.csr_matrix((np.ones(len(o)), (o, p)), shape=(o.max() + 1, len(names)))
    X.sum_duplicates()
    X.data[:] = 1.0
    age = None
    if dates is not None:
        line_age = (as_of - dates).dt.total_seconds().to_numpy() / 86400.0
        age = np.full(X.shape[0], np.inf)
        np.minimum.at(age, o, line_age)  # an order's age is that of its latest line
    return np.asarray(names, dtype=object), X, age


def _together(X):
    """Orders holding both products, diagonal removed."""
    together = (X.T @ X).tocsr()
    together.setdiag(0)
    together.eliminate_zeros()
    return together


def _weighted_counts(X, weight, together, counts):
    """Pair counts, product counts and order total, each order counted ``weight``."""
    if weight is None:
        return together, counts, float(X.shape[0])
    Xw = sparse.diags(weight) @ X
    weighted = (Xw.T @ X).tocsr()
    weighted.setdiag(0)
    weighted.eliminate_zeros()
    return weighted, np.asarray(Xw.sum(axis=0)).ravel(), float(weight.sum())


def _holdout(X, age, share, max_orders, rng):
    """Rows to fit on, and the held-back carts with one item each hidden (or None)."""
    n = X.shape[0]
    n_valid = int(round(share * n))
    if n_valid < 1 or n - n_valid < 1:
        return None
    order = np.argsort(-age, kind="stable") if age is not None else rng.permutation(n)
    fit_rows, valid_rows = np.sort(order[:n - n_valid]), order[n - n_valid:]
    sizes = np.diff(X.indptr)[valid_rows]
    valid_rows = valid_rows[sizes >= 2]
    if len(valid_rows) > max_orders:
        valid_rows = rng.choice(valid_rows, max_orders, replace=False)
    valid = X[np.sort(valid_rows)].tocsr()
    sizes = np.diff(valid.indptr)
    drop = valid.indptr[:-1] + (rng.random(len(sizes)) * sizes).astype(int)
    hidden = valid.indices[drop]
    valid.data[drop] = 0.0
    valid.eliminate_zeros()
    return fit_rows, valid, hidden


def _clean_lines(lines):
    lines = _check_columns(lines, ["order_id", "product_id"])
    if len(lines) == 0:
        raise InputError("no order lines", column="order_id")
    lines = lines.reset_index(drop=True)
    for col in ("order_id", "product_id"):
        missing = lines[col].isna().to_numpy()
        if missing.any():
            raise InputError("is empty", row=int(np.argmax(missing)), column=col)
    keep = np.ones(len(lines), bool)
    if "quantity" in lines and lines["quantity"].notna().any():
        qty = pd.to_numeric(lines["quantity"], errors="coerce")
        bad = (qty.isna() & lines["quantity"].notna()).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise InputError(f"{lines['quantity'].iloc[row]!r} is not a number", row=row,
                             column="quantity")
        keep &= ~(qty <= 0).to_numpy()  # returns and cancellations
    dates = None
    if "created_at" in lines and lines["created_at"].notna().any():
        dates = pd.to_datetime(lines["created_at"], errors="coerce", format="mixed")
        bad = dates.isna().to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            value = lines["created_at"].iloc[row]
            raise InputError("is empty" if pd.isna(value) else f"{value!r} is not a date",
                             row=row, column="created_at")
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
    if not keep.any():
        raise InputError("no order line has a positive quantity", column="quantity")
    titles = {}
    if "product_title" in lines:
        named = lines[["product_id", "product_title"]].dropna().drop_duplicates("product_id")
        titles = dict(zip(named["product_id"].astype(str), named["product_title"].astype(str),
                          strict=True))
    orders = lines["order_id"].astype(str).to_numpy()[keep]
    products = lines["product_id"].astype(str).to_numpy()[keep]
    if dates is not None:
        dates = dates[keep].reset_index(drop=True)
    return orders, products, dates, titles


def _check_columns(table, required):
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"expected a table with columns {', '.join(required)}")
    for col in required:
        if col not in table.columns:
            raise InputError(f"required column is missing (have: {', '.join(map(str, table))})",
                             column=col)
    return table


def _check_params(model):
    whole_number(model.top, "top")
    whole_number(model.max_validation_orders, "max_validation_orders")
    if model.alpha is not None:
        number(model.alpha, "alpha", low=0, high=1)
    if model.popularity_weight is not None:
        number(model.popularity_weight, "popularity_weight", low=0)
    number(model.shrinkage, "shrinkage", low=0)
    if model.half_life_days is not None:
        number(model.half_life_days, "half_life_days", low=0, open_low=True)
    number(model.validation_share, "validation_share", low=0, high=1, open_low=True)


def _check_fitted(model):
    check_is_fitted(model, "similarity_")
