"""The merchant dashboard, embedded in the Shopify admin: forecasts, reorder plan, upsell
pairs, recent orders' risk, customer segments and unusual days of revenue.

The views hand `templates/dashboard.html` plain data (the stored insights of
`webhooks.advice`, chart geometry from `webhooks.charts`); the templates write the HTML.
Every view is behind `session_token_required`; in demo mode (`shelfwise demo`, never from
the environment) the demo shop alone opens without a token, and ``/`` leads to it. The page
needs no network: App Bridge is loaded only when embedded.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Iterable
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from huey.exceptions import TaskLockedException
from itsdangerous import BadSignature, URLSafeTimedSerializer

from connectors.shopify.customers import segment_tag
from webhooks import advice, catalog, charts, demo, shops
from webhooks.auth import session_token_required, valid_shop
from webhooks.queue import huey
from webhooks.storage import db
from webhooks.tasks import catalog as catalog_tasks

bp = Blueprint("dashboard", __name__)
log = logging.getLogger("shelfwise.dashboard")
CSV_LINK_SECONDS = 900
RECOMPUTE_PENDING_SECONDS = 600  # a queued recompute blocks another for this long at most
REORDER_CSV_COLUMNS = ["product", "variant", "sku", "on_hand", "reorder_point",
                       "order_quantity", "order_now", "forecast_30_days", "demand_per_day",
                       "safety_stock", "days_of_cover", "stockout_date", "variant_gid"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""What makes a spreadsheet read a cell as a formula (OWASP's list, full-width forms too)."""


@bp.before_app_request
def _demo_home():
    """Demo mode: the app's home is the demo shop's dashboard."""
    demo_shop = current_app.config.get("DEMO_SHOP")
    if demo_shop and request.path == "/" and request.method == "GET":
        return redirect(url_for("dashboard.page", shop=demo_shop))
    return None


def _signer() -> URLSafeTimedSerializer | None:
    """Signs the CSV link; None without a secret key (then no link verifies)."""
    key = current_app.config.get("SECRET_KEY")
    return URLSafeTimedSerializer(str(key), salt="shelfwise-reorder-csv") if key else None


@bp.get("/dashboard")
@session_token_required
def page():
    return render_template("dashboard.html", **page_data(g.shop, embedded=g.embedded))


@bp.post("/dashboard/refresh")
@session_token_required
def refresh():
    """Recompute now (session token in ``Authorization: Bearer``, as App Bridge's fetch
    sends it): queued once per shop until it has run; the demo runs it at once."""
    if demo.is_demo(current_app.config, g.shop):
        try:
            with huey.lock_task(f"shelfwise-recompute-{g.shop}"):
                catalog_tasks.recommend_shop.call_local(g.shop, write=False)  # in process
        except TaskLockedException:
            return {"status": "running"}, 202
        return {"status": "done"}, 200
    return {"status": queue_recompute(g.shop)}, 202


def queue_recompute(domain: str) -> str:
    """Queue the shop's recompute unless one is already pending: what happened, in words.

    A marker in the queue's own storage (atomic in SQLite and Redis) records when the
    last one was queued; it stops counting once advice newer than it is stored, or after
    `RECOMPUTE_PENDING_SECONDS` (a recompute that died).
    """
    marker = f"shelfwise-recompute-queued-{domain}"
    try:
        with huey.lock_task(f"shelfwise-recompute-{domain}"):
            queued_at = huey.get(marker, peek=True)
            if queued_at is not None and time.time() - queued_at < RECOMPUTE_PENDING_SECONDS:
                computed = _computed_at(domain)
                if computed is None or computed.timestamp() < queued_at:
                    return "already queued"
            huey.put(marker, time.time())
            status = catalog_tasks.refresh(domain)
            if status not in ("sync started", "recommending"):  # nothing was queued
                huey.delete(marker)
            return status
    except TaskLockedException:  # another click is queueing it right now
        return "already queued"


def _computed_at(domain: str) -> datetime | None:
    insights = _insights(domain)
    computed = insights.get("summary", ({}, None))[1]
    return computed.replace(tzinfo=None) if computed else None


@bp.get("/dashboard/reorder.csv")
def reorder_csv():
    """The reorder plan as CSV: a signed link from the page (session tokens last a minute).
    Cells a spreadsheet would run as a formula are written as text."""
    shop = valid_shop(request.args.get("shop"))
    if shop is None:
        return "Not a Shopify shop.", 400
    if not demo.is_demo(current_app.config, shop):
        signer = _signer()
        try:
            if signer is None:
                raise BadSignature("no secret key")
            signed = signer.loads(request.args.get("sig", ""), max_age=CSV_LINK_SECONDS)
        except BadSignature:
            return "This download link has expired: reload the dashboard.", 403
        if signed != shop:
            return "This download link is for another shop.", 403
    rows = _insights(shop).get("reorder", ([], None))[0]
    response = Response(reorder_plan_csv(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="reorder-plan-{shop.split(".")[0]}.csv"'
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none';"
    return response


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as written: text that starts like a formula gets a
    leading apostrophe (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def reorder_plan_csv(rows: Iterable[dict]) -> str:
    """The reorder plan in `REORDER_CSV_COLUMNS`, every text cell made safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, REORDER_CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()


def _insights(domain: str) -> dict:
    with db().session() as session:
        row = shops.get_shop(session, domain)
        shop_id = row.id if row else None
        last = catalog.last_sync(session, shop_id) if shop_id else None
        window = last.orders_since if last is not None else None
    if shop_id is None:
        return {}
    out = advice.load_insights(shop_id)
    out["_window"] = (window, None)
    return out


# --- what the template shows ---------------------------------------------------------------

def page_data(domain: str, *, embedded: bool) -> dict:
    """Everything `dashboard.html` shows, as plain data (every section, empty or not)."""
    insights = _insights(domain)

    def part(kind: str, empty):
        return insights.get(kind, (empty, None))[0]

    summary, computed = insights.get("summary", ({}, None))
    summary = summary or {}
    currency = summary.get("currency") or ""
    is_demo = demo.is_demo(current_app.config, domain)
    lead = summary.get("lead_time_days", advice.DEFAULT_LEAD_TIME_DAYS)
    reorder = part("reorder", [])
    anomalies = [{**d, "typical": d.get("expected", d.get("typical"))}
                 for d in part("anomalies", [])]
    revenue = (part("revenue", {}) or {}).get("days") or []
    return {
        "shop": domain, "embedded": embedded, "is_demo": is_demo,
        "summary": summary, "computed": computed, "window": part("_window", None),
        "currency": currency,
        "refresh_url": url_for("dashboard.refresh", shop=domain),
        "csv_link": _csv_link(domain, is_demo),
        "forecasts": [{**c, "chart": charts.forecast_chart(
            c["history"], c["forecast"],
            title=f"{c['title']}: daily units sold and 30-day forecast")}
            for c in part("forecast", [])],
        "lead_time": lead,
        "reorder": reorder,
        "reorder_this_week": [r for r in reorder if r["order_now"] > 0 or (
            r["days_of_cover"] is not None and r["days_of_cover"] <= 7 + float(lead))],
        "upsell": part("upsell", []),
        "orders": [{**o, "placed": str(o["created_at"] or "")[:16].replace("T", " "),
                    "reasons": [p for p in (o["reasons"] or "").split("; ") if p]}
                   for o in part("orders", [])],
        "segments": [{**s, "tag": s.get("tag") or segment_tag(s["segment"])}
                     for s in part("segments", [])],
        "segments_chart": charts.bar_chart(
            [(s["segment"], s["customers"], f"{s['customers']:,} customers ({s['share']:.0%})")
             for s in part("segments", [])], title="Customers per segment"),
        "segment_tags": summary.get("segment_tags"),
        "anomalies": anomalies,
        "revenue_chart_data": charts.revenue_chart(
            revenue, [d["ds"] for d in anomalies],
            title=f"Daily revenue ({currency or 'shop currency'}), last 16 weeks, unusual "
                  f"days marked",
            unit=f"{currency} per day" if currency else "revenue per day"),
    }


def _csv_link(domain: str, is_demo: bool) -> str:
    signer = _signer()
    if is_demo or signer is None:
        return url_for("dashboard.reorder_csv", shop=domain)
    return url_for("dashboard.reorder_csv", shop=domain, sig=signer.dumps(domain))

