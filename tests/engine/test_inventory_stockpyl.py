"""Cross-check the textbook formulas against stockpyl (`./run.sh test`, in .venv-crosscheck)."""

import numpy as np
import pytest
from scipy import stats

from engine.inventory import LeadTimeDemand, ReorderPolicy, economic_order_quantity

stockpyl = pytest.importorskip("stockpyl")


def test_eoq_matches_stockpyl():
    from stockpyl.eoq import economic_order_quantity as eoq

    q, _ = eoq(fixed_cost=8, holding_cost=0.225, demand_rate=1300)
    assert economic_order_quantity(1300, 8, 0.225) == pytest.approx(q)


def test_newsvendor_matches_cycle_quantile():
    from stockpyl.newsvendor import newsvendor_normal

    s, _ = newsvendor_normal(holding_cost=0.18, stockout_cost=0.70, demand_mean=50, demand_sd=8)
    critical = 0.70 / (0.70 + 0.18)
    demand = LeadTimeDemand(50.0, 64.0, False)
    policy = ReorderPolicy(critical, measure="cycle").fit([demand], [1.0])
    assert policy.reorder_point_[0] == pytest.approx(s, rel=1e-6)


def test_r_q_fill_rate_matches_stockpyl_loss():
    from stockpyl.loss_functions import poisson_loss

    d = LeadTimeDemand(12.0, 12.0, True)
    for x in (5, 12, 20):
        assert d.loss(x) == pytest.approx(poisson_loss(x, 12)[0], abs=1e-9)
    # (r, Q) with Poisson lead-time demand: type-2 fill rate from the loss function
    r, q = 14, 10
    expected = 1 - (poisson_loss(r, 12)[0] - poisson_loss(r + q, 12)[0]) / q
    policy = ReorderPolicy(0.5).fit([d], [q])
    from engine.inventory import fill_rate_sq
    assert fill_rate_sq(d, r, q) == pytest.approx(expected)
    assert np.isfinite(policy.fill_rate_[0]) and stats.poisson(12).mean() == 12
