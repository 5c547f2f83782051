"""Benchmark `engine.upsell` against common baselines on three real shops, and time it.

Protocol (leave-one-out basket completion): split orders into train and test (at random
for the bike shop, which has no dates; by time for the gift shop and the groceries, the
last 20 % of orders being the test set), hide one item, picked at random, from each test
basket of two or more distinct items, ask each method for 10 items given the rest, and
score hit@10 (hidden item among the 10) and NDCG@10 (1 / log2(1 + rank) when found).
Every method sees the same train orders and never recommends an item already in the cart;
all of them fill up with best-sellers when they have fewer than 10 candidates.

Peers, computed in the same run: popularity (best-sellers), co-occurrence count, item-item
cosine, and mlxtend FP-growth association rules (best confidence of a rule whose
antecedent is in the cart). Then the engine is timed on 1 million order lines made by
resampling the gift shop's real baskets.

`--validate` instead cuts a validation split out of each shop's train orders (the same
way) and scores a small grid of engine settings on it: how the defaults were chosen,
without looking at the test orders.

Run with the benchmark environment (peers need mlxtend, see requirements.txt):

    /work/benchenv/bin/python benchmarks/upsell.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from engine.upsell import UpsellRecommender

K = 10
ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- data


def bike(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "bike_basket" / "BikeMarketBasket.tsv", sep="\t", dtype=str)
    return pd.DataFrame({"order_id": raw["Order Number"], "product_id": raw["Product"]})


def gift(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "online_retail_samples" / "online_retail_first10k_rows.csv",
                      dtype=str)
    return pd.DataFrame({"order_id": raw["InvoiceNo"], "product_id": raw["StockCode"],
                         "quantity": pd.to_numeric(raw["Quantity"]),
                         "created_at": pd.to_datetime(raw["InvoiceDate"])})


def groceries(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "groceries_member_date" / "Groceries_dataset.csv", dtype=str)
    return pd.DataFrame({"order_id": raw["Member_number"] + "/" + raw["Date"],
                         "product_id": raw["itemDescription"],
                         "customer_id": raw["Member_number"],
                         "created_at": pd.to_datetime(raw["Date"], format="%d-%m-%Y")})


SHOPS = {"bike shop": (bike, "random"), "UK gift shop": (gift, "time"),
         "groceries": (groceries, "time")}


def split(lines: pd.DataFrame, how: str, test_share: float = 0.2, seed: int = 0):
    """Train and test lines, whole orders on each side."""
    if how == "random":
        orders = lines["order_id"].unique()
        rng = np.random.default_rng(seed)
        test = set(rng.choice(orders, int(round(test_share * len(orders))), replace=False))
        is_test = lines["order_id"].isin(test)
    else:
        when = lines.groupby("order_id")["created_at"].max().sort_values(kind="stable")
        cut = when.iloc[int(round((1 - test_share) * len(when)))]
        is_test = lines["order_id"].map(when >= cut)
    return lines[~is_test].reset_index(drop=True), lines[is_test].reset_index(drop=True)


def hide_one(test: pd.DataFrame, seed: int = 0):
    """Carts (query_id, product_id) and the hidden item of each basket of 2+ distinct items."""
    rng = np.random.default_rng(seed)
    carts, hidden = [], {}
    for order, items in test.groupby("order_id", sort=True)["product_id"]:
        items = list(dict.fromkeys(items))
        if len(items) < 2:
            continue
        out = items.pop(int(rng.integers(len(items))))
        hidden[str(order)] = out
        carts.extend((str(order), item) for item in items)
    return pd.DataFrame(carts, columns=["query_id", "product_id"]), hidden


def score(recs: pd.DataFrame, hidden: dict) -> tuple[float, float]:
    """hit@K and NDCG@K of a query_id, rank, recommended_id table."""
    found = recs[recs["recommended_id"] == recs["query_id"].map(hidden)]
    ranks = found.groupby("query_id")["rank"].min()
    ranks = ranks[ranks <= K]
    return len(ranks) / len(hidden), float((1 / np.log2(ranks + 1)).sum() / len(hidden))


# ---------------------------------------------------------------- peers


class Peer:
    """Dense item-item scores: cart @ S, ties and gaps filled by best-sellers."""

    def __init__(self, train: pd.DataFrame):
        o, _ = pd.factorize(train["order_id"])
        p, names = pd.factorize(train["product_id"])
        X = sparse.csr_matrix((np.ones(len(o)), (o, p)), shape=(o.max() + 1, len(names)))
        X.sum_duplicates()
        X.data[:] = 1
        self.names, self.X = np.asarray(names), X
        self.index = pd.Index(names)
        self.n = np.asarray(X.sum(axis=0)).ravel()
        self.C = (X.T @ X).toarray()
        np.fill_diagonal(self.C, 0)

    def recommend(self, carts: pd.DataFrame, S: np.ndarray | None) -> pd.DataFrame:
        ids, q = np.unique(carts["query_id"], return_inverse=True)
        p = self.index.get_indexer(carts["product_id"])
        ok = p >= 0
        Q = sparse.csr_matrix((np.ones(ok.sum()), (q[ok], p[ok])), shape=(len(ids), len(self.n)))
        Q.data[:] = 1
        pop = self.n / self.n.max() * 1e-9
        scores = (Q @ S if S is not None else np.zeros(Q.shape)) + pop
        scores[Q.toarray() > 0] = -np.inf
        top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
        return pd.DataFrame({"query_id": np.repeat(ids, K), "rank": np.tile(np.arange(1, K + 1),
                             len(ids)), "recommended_id": self.names[top.ravel()]})


def popularity(peer, carts):
    return peer.recommend(carts, None)


def cooccurrence(peer, carts):
    return peer.recommend(carts, peer.C)


def cosine(peer, carts):
    return peer.recommend(carts, peer.C / np.sqrt(np.outer(peer.n, peer.n)))


def rules(peer, carts, min_orders: int = 3, max_len: int = 2):
    """mlxtend FP-growth + association_rules; score = best confidence of a firing rule."""
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    onehot = pd.DataFrame(peer.X.toarray() > 0, columns=list(peer.names))
    n_orders = peer.X.shape[0]
    itemsets = fpgrowth(onehot, min_support=min_orders / n_orders, use_colnames=True,
                        max_len=max_len)
    found = association_rules(itemsets, num_itemsets=n_orders, metric="confidence",
                              min_threshold=0.0)
    found = found[found["consequents"].map(len) == 1]
    S = np.zeros_like(peer.C, dtype=float)  # antecedent item -> consequent item: max confidence
    if max_len == 2:
        a = peer.index.get_indexer([next(iter(x)) for x in found["antecedents"]])
        c = peer.index.get_indexer([next(iter(x)) for x in found["consequents"]])
        np.maximum.at(S, (a, c), found["confidence"].to_numpy())
    ids, q = np.unique(carts["query_id"], return_inverse=True)
    p = peer.index.get_indexer(carts["product_id"])
    ok = p >= 0
    Q = sparse.csr_matrix((np.ones(ok.sum()), (q[ok], p[ok])), shape=(len(ids), len(peer.n)))
    Q.data[:] = 1
    best = np.zeros(Q.shape)  # max over rules firing in the cart
    for row in range(Q.shape[0]):
        items = Q.indices[Q.indptr[row]:Q.indptr[row + 1]]
        if len(items):
            best[row] = S[items].max(axis=0)
    best += peer.n / peer.n.max() * 1e-9
    best[Q.toarray() > 0] = -np.inf
    top = np.argsort(-best, axis=1, kind="stable")[:, :K]
    return pd.DataFrame({"query_id": np.repeat(ids, K), "rank": np.tile(np.arange(1, K + 1),
                         len(ids)), "recommended_id": peer.names[top.ravel()]})


PEERS = {"popularity": popularity, "co-occurrence count": cooccurrence,
         "item-item cosine": cosine, "mlxtend FP-growth rules": rules}


def engine(train, carts, **params):
    return UpsellRecommender(K, **params).fit(train).recommend(carts)


# ---------------------------------------------------------------- runs


def compare(data: Path) -> pd.DataFrame:
    rows = []
    for shop, (load, how) in SHOPS.items():
        train, test = split(load(data), how)
        carts, hidden = hide_one(test)
        peer = Peer(train)
        methods = {"Shelfwise engine (defaults)": lambda c, t=train: engine(t, c)}
        methods |= {name: (lambda c, f=f, p=peer: f(p, c)) for name, f in PEERS.items()}
        for name, method in methods.items():
            start = time.perf_counter()
            hit, ndcg = score(method(carts), hidden)
            rows.append({"shop": shop, "method": name, "hit@10": hit, "NDCG@10": ndcg,
                         "test baskets": len(hidden), "train orders": train["order_id"].nunique(),
                         "seconds": time.perf_counter() - start})
            print(f"{shop:14s} {name:28s} hit@10 {hit:.3f}  NDCG@10 {ndcg:.3f}", flush=True)
        model = UpsellRecommender(K).fit(train)
        print(f"{shop:14s} engine chose alpha={model.alpha_}, "
              f"popularity_weight={model.popularity_weight_}", flush=True)
    return pd.DataFrame(rows)


GRID = {"alpha": [0.5, 0.7, 0.9, 1.0], "shrinkage": [0.0, 2.0, 5.0, 20.0],
        "popularity_weight": [0.0, 0.1, 0.3, 1.0, 3.0], "half_life_days": [None, 180.0]}


def validate(data: Path) -> pd.DataFrame:
    """Score the GRID on a validation split cut from each shop's train orders only."""
    rows = []
    for shop, (load, how) in SHOPS.items():
        train, _ = split(load(data), how)
        fit, valid = split(train, how, seed=1)
        carts, hidden = hide_one(valid, seed=1)
        for values in itertools.product(*GRID.values()):
            params = dict(zip(GRID, values, strict=True))
            hit, ndcg = score(engine(fit, carts, **params), hidden)
            rows.append({"shop": shop, **params, "hit@10": hit, "NDCG@10": ndcg})
    table = pd.DataFrame(rows)
    table["half_life_days"] = table["half_life_days"].fillna(0)
    wide = table.pivot_table(index=list(GRID), columns="shop", values="hit@10")
    wide["mean"] = wide.mean(axis=1)
    print(wide.sort_values("mean", ascending=False).round(3).to_string())
    return wide


def million_lines(data: Path, n_lines: int = 1_000_000, seed: int = 0) -> dict:
    """Time fit + companions of every product on `n_lines` resampled gift-shop order lines."""
    lines = gift(data)
    baskets = [g for _, g in lines.groupby("order_id")]
    rng = np.random.default_rng(seed)
    sizes = np.array([len(b) for b in baskets])
    picks = rng.choice(len(baskets), int(n_lines / sizes.mean() * 1.05), replace=True)
    picks = picks[: np.searchsorted(np.cumsum(sizes[picks]), n_lines) + 1]
    big = pd.concat([baskets[i] for i in picks], ignore_index=True)
    big["order_id"] = np.repeat(np.arange(len(picks)), sizes[picks]).astype(str)
    big = big.iloc[:n_lines]
    # spread the resampled orders over a year so the recency weighting has work to do
    big["created_at"] = pd.Timestamp("2011-01-01") + pd.to_timedelta(
        np.repeat(rng.integers(0, 365, len(picks)), sizes[picks])[:n_lines], unit="D")
    out = {"lines": len(big), "orders": big["order_id"].nunique(),
           "products": big["product_id"].nunique()}
    start = time.perf_counter()
    model = UpsellRecommender(K).fit(big)
    out["fit seconds"] = time.perf_counter() - start
    recs = model.similar()
    out["fit + companions of every product, seconds"] = time.perf_counter() - start
    out["companion rows"] = len(recs)
    start = time.perf_counter()
    UpsellRecommender(K, half_life_days=90.0).fit(big).similar()
    out["same with half_life_days=90, seconds"] = time.perf_counter() - start
    for key, value in out.items():
        print(f"1M lines: {key}: {value:,.2f}" if isinstance(value, float)
              else f"1M lines: {key}: {value:,}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="The shared data folder (default: ../shared/data from the repo root).")
    parser.add_argument("--validate", action="store_true",
                        help="Score a grid of engine settings on validation splits of train data.")
    parser.add_argument("--skip-timing", action="store_true", help="Skip the 1M-line timing.")
    args = parser.parse_args()
    if args.validate:
        validate(args.data)
        return
    table = compare(args.data)
    print()
    print(table.to_markdown(index=False, floatfmt=".3f") if _has_tabulate()
          else table.round(3).to_string(index=False))
    if not args.skip_timing:
        million_lines(args.data)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
