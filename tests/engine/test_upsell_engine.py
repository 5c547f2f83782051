"""engine.upsell: numbers checked by hand, the cart rule, the fallbacks and the input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import engine.upsell as upsell
from engine.errors import InputError
from engine.upsell import UpsellRecommender, complete_carts, upsell_pairs


def lines_of(baskets, **columns):
    rows = [(str(o), p) for o, basket in enumerate(baskets) for p in basket]
    table = pd.DataFrame(rows, columns=["order_id", "product_id"])
    for name, per_order in columns.items():
        table[name] = [per_order[int(o)] for o, _ in rows]
    return table


# orders: {A,B} {A,B,C} {A,C} {D}: n=4, n_A=3, n_B=2, n_C=2, n_D=1, AB=2, AC=2, BC=1
TINY = lines_of([["A", "B"], ["A", "B", "C"], ["A", "C"], ["D"]])


def carts_of(**carts):
    return pd.DataFrame([(q, p) for q, items in carts.items() for p in items],
                        columns=["query_id", "product_id"])


def random_lines(n_orders=400, n_products=30, seed=0):
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, n_products + 1)
    baskets = [rng.choice(n_products, size=rng.integers(1, 6), p=weights / weights.sum())
               for _ in range(n_orders)]
    return lines_of([[f"p{i}" for i in b] for b in baskets])


def test_support_confidence_and_lift_by_hand():
    pairs = UpsellRecommender(top=3).fit(TINY).similar().set_index(["product_id",
                                                                    "recommended_id"])
    a_b, b_a, b_c = pairs.loc[("A", "B")], pairs.loc[("B", "A")], pairs.loc[("B", "C")]
    assert a_b["support"] == pytest.approx(2 / 4)
    assert a_b["confidence"] == pytest.approx(2 / 3)  # 2 of A's 3 orders hold B
    assert a_b["lift"] == pytest.approx((2 / 3) / (2 / 4))
    assert b_a["confidence"] == pytest.approx(1.0) and b_a["lift"] == pytest.approx(4 / 3)
    assert b_c["support"] == pytest.approx(1 / 4) and b_c["lift"] == pytest.approx(1.0)
    assert a_b["orders_together"] == 2


def test_score_is_shrunk_cosine_plus_weighted_popularity():
    model = UpsellRecommender(top=3, alpha=0.5, popularity_weight=0.2, shrinkage=2.0).fit(TINY)
    recs = model.similar(["A"]).set_index("recommended_id")["score"]
    cosine_ab = 2 / np.sqrt(3 * 2)
    assert recs["B"] == pytest.approx(cosine_ab * 2 / (2 + 2) + 0.2 * 2 / 4)
    assert recs["D"] == pytest.approx(0.2 * 1 / 4)  # never bought with A: popularity only
    assert model.validation_ is None  # nothing to choose


def test_contract_columns_and_ranks():
    recs = upsell_pairs(random_lines(), top=4, alpha=0.5, popularity_weight=0.1)
    assert list(recs.columns[:7]) == upsell.REC_COLUMNS
    assert recs.groupby("product_id").size().max() == 4
    for _, group in recs.groupby("product_id"):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        assert group["score"].is_monotonic_decreasing
        assert not (group["recommended_id"] == group["product_id"]).any()


def test_never_recommends_an_item_already_in_the_cart():
    lines = random_lines(seed=1)
    rng = np.random.default_rng(2)
    products = lines["product_id"].unique()
    carts = carts_of(**{f"q{i}": rng.choice(products, rng.integers(1, 8), replace=False)
                        for i in range(60)})
    recs = complete_carts(lines, carts, top=10)
    assert list(recs.columns) == upsell.CART_COLUMNS
    in_cart = set(zip(carts["query_id"], carts["product_id"], strict=True))
    assert not any((q, r) in in_cart for q, r in zip(recs["query_id"], recs["recommended_id"],
                                                     strict=True))
    assert recs.groupby("query_id").size().eq(10).all()


def test_excluded_items_are_never_recommended():
    model = UpsellRecommender(top=3, alpha=0.5, popularity_weight=0.1).fit(TINY)
    assert "B" not in set(model.similar(exclude=["B"])["recommended_id"])
    recs = model.recommend(carts_of(q=["A"]), exclude=["B", "unknown"])
    assert list(recs["recommended_id"]) == ["C", "D"]


def test_cold_item_falls_back_to_best_sellers():
    model = UpsellRecommender(top=3, alpha=0.5, popularity_weight=0.1).fit(TINY)
    assert list(model.similar(["D"])["recommended_id"]) == ["A", "B", "C"]  # by orders, ties
    unknown = model.recommend(carts_of(q=["never-sold"]))  # in first-seen order
    assert list(unknown["recommended_id"]) == ["A", "B", "C"]
    assert model.why("D", ["A"]) == ["best-seller (not yet bought with it)"]


def test_why_names_the_share_of_orders():
    model = UpsellRecommender(top=3, alpha=0.5, popularity_weight=0.1).fit(
        TINY.assign(product_title=TINY["product_id"].map({"A": "Alpine bike"}.get)))
    assert model.why("A", ["B"]) == ["bought in 67% of orders with Alpine bike (2 orders, "
                                     "lift 1.3)"]


def test_rare_pairs_are_shrunk_below_frequent_ones():
    # X with Y in 15 of Y's 400 orders; X with Z in Z's only order: plain cosine prefers Z
    baskets = [["X", "Y"]] * 15 + [["Y"]] * 385 + [["X", "Z"]] + [["X"]] * 50
    lines = lines_of(baskets)
    plain = UpsellRecommender(top=1, alpha=0.5, popularity_weight=0.0, shrinkage=0.0).fit(lines)
    shrunk = UpsellRecommender(top=1, alpha=0.5, popularity_weight=0.0, shrinkage=2.0).fit(lines)
    assert plain.recommend(carts_of(q=["X"]))["recommended_id"].iloc[0] == "Z"
    assert shrunk.recommend(carts_of(q=["X"]))["recommended_id"].iloc[0] == "Y"


def test_recency_weighting_prefers_what_sells_together_now():
    baskets = [["X", "Old"]] * 6 + [["X", "New"]] * 4
    dates = {i: "2023-01-01" if i < 6 else "2024-06-01" for i in range(10)}
    lines = lines_of(baskets, created_at=dates)
    lines["created_at"] = pd.to_datetime(lines["created_at"])
    params = dict(top=1, alpha=0.5, popularity_weight=0.0)
    flat = UpsellRecommender(**params).fit(lines).recommend(carts_of(q=["X"]))
    recent = UpsellRecommender(**params, half_life_days=30).fit(lines)
    assert flat["recommended_id"].iloc[0] == "Old"
    assert recent.recommend(carts_of(q=["X"]))["recommended_id"].iloc[0] == "New"
    assert recent.similar(["X"])["confidence"].iloc[0] == pytest.approx(4 / 10)  # plain counts


def test_as_of_ignores_later_orders_and_returns_are_skipped():
    lines = lines_of([["X", "Y"], ["X", "Z"], ["X", "W"]],
                     created_at={0: "2024-01-01", 1: "2024-01-02", 2: "2024-03-01"},
                     quantity={0: 1, 1: 2, 2: 1})
    lines.loc[lines["product_id"] == "Z", "quantity"] = -2  # a returned line
    lines["created_at"] = pd.to_datetime(lines["created_at"])
    model = UpsellRecommender(top=5, alpha=0.5, popularity_weight=0.0,
                              as_of="2024-02-01").fit(lines)
    assert set(model.products_) == {"X", "Y"}
    assert model.n_orders_ == 2


def test_validation_chooses_from_the_grid_on_held_back_orders():
    model = UpsellRecommender(top=5).fit(random_lines(n_orders=600))
    table = model.validation_
    assert len(table) == len(UpsellRecommender.ALPHAS) * len(UpsellRecommender.POPULARITY_WEIGHTS)
    best = table.sort_values(["hit", "ndcg"], ascending=False).iloc[0]
    assert (model.alpha_, model.popularity_weight_) == (best["alpha"], best["popularity_weight"])
    again = UpsellRecommender(top=5).fit(random_lines(n_orders=600))
    assert again.validation_.equals(table)  # repeatable


def test_few_orders_keep_the_default_setting():
    model = UpsellRecommender().fit(TINY)
    assert model.validation_ is None
    assert (model.alpha_, model.popularity_weight_) == (0.5, 0.1)


def test_dense_and_sparse_scoring_agree(monkeypatch):
    lines = random_lines(seed=3)
    carts = carts_of(a=["p0", "p3"], b=["p5"], c=["p1", "p2", "p7", "p9"])
    model = UpsellRecommender(top=6, alpha=0.75, popularity_weight=0.3).fit(lines)
    dense = model.recommend(carts, exclude=["p4"]), model.similar()
    monkeypatch.setattr(upsell, "_DENSE_MAX_ITEMS", 0)
    sparse_ = model.recommend(carts, exclude=["p4"]), model.similar()
    pd.testing.assert_frame_equal(dense[0], sparse_[0])
    pd.testing.assert_frame_equal(dense[1], sparse_[1])


def test_estimator_conventions():
    model = UpsellRecommender(top=-1, alpha="bad")  # __init__ stores, fit checks
    assert clone(model).get_params()["alpha"] == "bad"
    with pytest.raises(InputError, match="top"):
        model.fit(TINY)
    with pytest.raises(NotFittedError):
        UpsellRecommender().recommend(carts_of(q=["A"]))
    assert UpsellRecommender().fit(TINY) is not None


@pytest.mark.parametrize(("params", "word"), [
    ({"alpha": 1.5}, "alpha"), ({"popularity_weight": -1}, "popularity_weight"),
    ({"half_life_days": 0}, "half_life_days"), ({"shrinkage": float("nan")}, "shrinkage"),
])
def test_bad_parameters(params, word):
    with pytest.raises(InputError, match=word):
        UpsellRecommender(**params).fit(TINY)


def test_bad_lines_name_row_and_column():
    with pytest.raises(InputError) as err:
        UpsellRecommender().fit(TINY.drop(columns="product_id"))
    assert err.value.column == "product_id"
    holes = TINY.copy()
    holes.loc[3, "order_id"] = None
    with pytest.raises(InputError) as err:
        UpsellRecommender().fit(holes)
    assert (err.value.row, err.value.column) == (3, "order_id")
    dated = TINY.assign(created_at=["2024-01-01"] * 4 + ["soon"] + ["2024-01-01"] * 3)
    with pytest.raises(InputError) as err:
        UpsellRecommender().fit(dated)
    assert (err.value.row, err.value.column) == (4, "created_at")
    with pytest.raises(InputError, match="no order lines"):
        UpsellRecommender().fit(TINY.iloc[:0])
