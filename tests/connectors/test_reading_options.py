"""Options every reading command shares: lead times in days, --signed, exports in anomalies."""

from __future__ import annotations

import io

import pandas as pd
from click.testing import CliRunner

from connectors.cli import main
from connectors.cli.reorder import period_days
from tests.fixtures import exports as ex


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def weekly_sales(tmp_path):
    weeks = pd.date_range("2024-01-07", periods=30, freq="W-SUN")
    sales = pd.DataFrame({"unique_id": "tea", "ds": weeks.strftime("%Y-%m-%d"),
                          "y": [35 + (i % 3) for i in range(30)]})
    path = tmp_path / "weekly.csv"
    sales.to_csv(path, index=False)
    return path


def test_lead_time_days_become_periods_of_the_sales(tmp_path):
    sales = weekly_sales(tmp_path)
    (tmp_path / "items.csv").write_text("unique_id,on_hand\ntea,50\n")
    (tmp_path / "items_periods.csv").write_text("unique_id,on_hand,lead_time\ntea,50,2\n")
    in_days = run("reorder", "--history", str(sales), "--items", str(tmp_path / "items.csv"),
                  "--lead-time", "14", "--quiet")
    in_periods = run("reorder", "--history", str(sales), "--items",
                     str(tmp_path / "items_periods.csv"), "--quiet")
    a, b = (pd.read_csv(io.StringIO(r.stdout)) for r in (in_days, in_periods))
    pd.testing.assert_frame_equal(a.drop(columns="reason"), b.drop(columns="reason"))
    assert "a week" in a.loc[0, "reason"] and "2 weeks' lead time" in a.loc[0, "reason"]
    assert period_days("W-SUN") == 7 and period_days("D") == 1


def test_reason_says_what_to_do_in_words(tmp_path):
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    pd.DataFrame({"unique_id": "mug", "ds": days, "y": 5}).to_csv(tmp_path / "s.csv",
                                                                   index=False)
    (tmp_path / "items.csv").write_text("unique_id,on_hand\nmug,12\n")
    plan = pd.read_csv(io.StringIO(run(
        "reorder", "--history", str(tmp_path / "s.csv"), "--items", str(tmp_path / "items.csv"),
        "--lead-time", "7", "--quiet").stdout))
    reason = plan.loc[0, "reason"]
    assert reason.startswith("sells about 5 a day; 7 days' lead time needs ")
    assert reason.endswith(f"you have 12: order {plan.loc[0, 'order_now']:.0f} now")


def test_no_lead_time_anywhere_is_bad_input(tmp_path):
    sales = weekly_sales(tmp_path)
    (tmp_path / "items.csv").write_text("unique_id,on_hand\ntea,50\n")
    result = run("reorder", "--history", str(sales), "--items", str(tmp_path / "items.csv"),
                 ok=False)
    assert result.exit_code == 2 and "--lead-time" in result.stderr
    assert "items.csv" in result.stderr
    both = run("reorder", "--history", str(sales), ok=False)
    assert both.exit_code == 2


def test_signed_keeps_returns_for_cash_flow(tmp_path):
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    y = [10, -4] * 20
    pd.DataFrame({"unique_id": "cash", "ds": days, "y": y}).to_csv(tmp_path / "c.csv",
                                                                    index=False)
    plain = run("forecast", str(tmp_path / "c.csv"), "--horizon", "3")
    assert "20 return lines (80 units) reported, not subtracted" in plain.stderr
    signed = run("forecast", str(tmp_path / "c.csv"), "--horizon", "3", "--signed", "--quiet")
    mean_plain = pd.read_csv(io.StringIO(plain.stdout))["forecast"].mean()
    mean_signed = pd.read_csv(io.StringIO(signed.stdout))["forecast"].mean()
    assert mean_signed < mean_plain


def test_anomalies_read_an_order_export_as_daily_revenue(tmp_path):
    shop = ex.make_shop(days=60, returns=False)
    path = tmp_path / "orders_export_1.csv"
    path.write_text(ex.write_shopify_orders(shop))
    result = run("anomalies", str(path))
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns[:5]) == ["ds", "amount", "anomaly", "score", "reason"]
    assert table["ds"].is_unique and len(table) <= 60
    assert "shopify-orders" in result.stderr
