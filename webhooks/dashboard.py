"""The merchant dashboard, embedded in the Shopify admin: forecasts, reorder plan, upsell
pairs, recent orders' risk, customer segments and unusual days of revenue, rendered on the
server (charts are inline SVG).

Requests carry an App Bridge session token (``id_token``), checked by shopifyapp's
`verify_app_home_req` as for the app home; a page without one is sent through the
patch-id-token bounce. Responses allow framing only by the shop and the admin
(``Content-Security-Policy: frame-ancestors``). In demo mode (`shelfwise demo`, never from
the environment) the demo shop alone opens without a token, and ``/`` leads to it.
The page needs no network: App Bridge is loaded only when embedded.
"""

from __future__ import annotations

import csv
import io
import logging
from html import escape

from flask import Blueprint, Response, current_app, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from connectors.shopify import ShopifyError
from connectors.shopify.client import shop_domain
from connectors.shopify.customers import segment_tag
from webhooks import admin, advice, catalog, demo, shops
from webhooks.charts import bar_chart, forecast_chart, revenue_chart
from webhooks.shopify_hooks import as_shopify_req, shopify_app
from webhooks.storage import db

bp = Blueprint("dashboard", __name__)
log = logging.getLogger("shelfwise.dashboard")
CSV_LINK_SECONDS = 900
REORDER_CSV_COLUMNS = ["product", "variant", "sku", "on_hand", "reorder_point",
                       "order_quantity", "order_now", "forecast_30_days", "demand_per_day",
                       "safety_stock", "days_of_cover", "stockout_date", "variant_gid"]


@bp.before_app_request
def _demo_home():
    """Demo mode: the app's home is the demo shop's dashboard."""
    demo_shop = current_app.config.get("DEMO_SHOP")
    if demo_shop and request.path == "/" and request.method == "GET":
        return redirect(url_for("dashboard.page", shop=demo_shop))
    return None


def _authorise():
    """(shop domain, extra headers, None) or (None, None, the refusal to send)."""
    shop = request.args.get("shop")
    if demo.is_demo(current_app.config, shop):
        return shop_domain(shop), {}, None
    if not current_app.config.get("SHOPIFY_API_SECRET"):  # e.g. demo mode, another shop
        return None, None, Response("Open Shelfwise from your Shopify admin.", status=401)
    result = shopify_app().verify_app_home_req(as_shopify_req(request),
                                               admin.PATCH_ID_TOKEN_PATH)
    if not result.ok:
        log.info("dashboard request refused: %s", result.log.code)
        res = result.response
        return None, None, Response(res.body or "", status=res.status,
                                    headers=dict(res.headers or {}))
    try:
        admin._ensure_token(result)  # first visit of a new install: token exchange
    except ShopifyError as err:
        log.warning("token exchange for %s failed: %s", result.shop, err.code)
    return shop_domain(result.shop), dict(result.response.headers or {}), None


def _framing(response: Response, domain: str, headers: dict) -> Response:
    for key, value in headers.items():
        response.headers[key] = value
    response.headers["Content-Security-Policy"] = \
        f"frame-ancestors https://{domain} https://admin.shopify.com;"
    return response


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config.get("SECRET_KEY") or "demo"),
                                  salt="shelfwise-reorder-csv")


@bp.get("/dashboard")
def page():
    domain, headers, refusal = _authorise()
    if refusal is not None:
        return refusal
    body = render(domain, embedded=not demo.is_demo(current_app.config, domain))
    return _framing(Response(body, mimetype="text/html"), domain, headers)


@bp.post("/dashboard/refresh")
def refresh():
    """Recompute now (session token in ``Authorization: Bearer``, as App Bridge's fetch
    sends it): the work is queued; the demo's in-process queue runs it at once."""
    domain, headers, refusal = _authorise()
    if refusal is not None:
        return refusal
    from webhooks import catalog_jobs

    if demo.is_demo(current_app.config, domain):
        catalog_jobs.recommend_shop.call_local(domain, write=False)  # in-process queue
        return {"status": "done"}, 200
    return {"status": catalog_jobs.refresh(domain)}, 202


@bp.get("/dashboard/reorder.csv")
def reorder_csv():
    """The reorder plan as CSV: a signed link from the page (session tokens last a minute)."""
    shop = request.args.get("shop", "")
    if not demo.is_demo(current_app.config, shop):
        try:
            signed = _signer().loads(request.args.get("sig", ""), max_age=CSV_LINK_SECONDS)
        except BadSignature:
            return "This download link has expired: reload the dashboard.", 403
        if signed != shop_domain(shop):
            return "This download link is for another shop.", 403
    domain = shop_domain(shop)
    insights = _insights(domain)
    out = io.StringIO()
    writer = csv.DictWriter(out, REORDER_CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in insights.get("reorder", ([], None))[0]:
        writer.writerow(row)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="reorder-plan-{domain.split(".")[0]}.csv"'
    return _framing(response, domain, {})


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


# --- rendering ---------------------------------------------------------------------------------

def render(domain: str, *, embedded: bool) -> str:
    """The whole page as HTML (every section present, with a note when it is empty)."""
    insights = _insights(domain)
    summary, computed = insights.get("summary", ({}, None))
    window = insights.get("_window", (None, None))[0]
    is_demo = demo.is_demo(current_app.config, domain)
    csv_link = url_for("dashboard.reorder_csv", shop=domain,
                       **({} if is_demo else {"sig": _signer().dumps(domain)}))
    head = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Shelfwise · {escape(domain)}</title>",
        f"<style>{_CSS}</style>",
    ]
    if embedded:
        key = escape(current_app.config.get("SHOPIFY_API_KEY") or "")
        head += [f"<meta name='shopify-api-key' content='{key}'>",
                 "<script src='https://cdn.shopify.com/shopifycloud/app-bridge.js'></script>"]
    head.append("</head><body>")
    body = [
        "<ui-title-bar title='Shelfwise'></ui-title-bar><ui-nav-menu>"
        "<a href='/dashboard' rel='home'>Dashboard</a><a href='/'>Fraud checks</a>"
        "</ui-nav-menu>" if embedded else "",
        "<main class='page'>",
        _header(domain, summary, computed, window, is_demo),
        _forecast_section(insights.get("forecast", ([], None))[0]),
        _reorder_section(insights.get("reorder", ([], None))[0], summary, csv_link),
        _upsell_section(insights.get("upsell", ([], None))[0]),
        _orders_section(insights.get("orders", ([], None))[0]),
        _segments_section(insights.get("segments", ([], None))[0], summary),
        _anomalies_section(insights.get("anomalies", ([], None))[0], summary,
                           insights.get("revenue", ({}, None))[0]),
        "<footer class='muted'>Shelfwise writes its advice to your store as metafields "
        "(namespace <code>$app:shelfwise</code>): <code>complementary_products</code> on "
        "products; <code>reorder_point</code>, <code>order_quantity</code> and "
        "<code>forecast_30_days</code> on variants; customers get the tag of their "
        "segment (<code>shelfwise-segment-…</code>).</footer>",
        "</main></body></html>",
    ]
    return "".join(head + body)


def _header(domain, summary, computed, window, is_demo) -> str:
    notes = []
    if is_demo:
        notes.append("<div class='banner info'><strong>Demo store.</strong> Real daily sales "
                     "of 28 items of one Walmart store (M5 data), moved to end yesterday; "
                     "titles, prices, stock, customers and the split into orders are "
                     "synthesised. Nothing is sent to Shopify.</div>")
    if window is not None:
        notes.append(f"<div class='banner warning' id='order-window'><strong>Only orders "
                     f"since {window:%b %d, %Y} are used.</strong> Shopify lets apps read the "
                     f"last 60 days of orders unless the <code>read_all_orders</code> "
                     f"permission is granted; forecasts and upsell pairs improve with a longer "
                     f"history.</div>")
    if not summary:
        notes.append("<div class='banner warning'>No advice computed yet: run "
                     "<code>shelfwise shop sync</code> then <code>shelfwise shop recommend"
                     "</code>, or wait for the daily run.</div>")
    facts = ""
    if summary:
        facts = (f"<p class='muted'>As of {escape(str(summary.get('as_of')))} · "
                 f"{summary.get('products', 0):,} products · {summary.get('orders', 0):,} "
                 f"orders from {escape(str(summary.get('first_order')))} to "
                 f"{escape(str(summary.get('last_order')))}"
                 + (f" · computed {computed:%Y-%m-%d %H:%M} UTC" if computed else "")
                 + "</p>")
    refresh = url_for("dashboard.refresh", shop=domain)
    button = (f"<button class='button' id='refresh' data-url='{escape(refresh)}'>Recompute "
              f"now</button><span id='refresh-note' class='muted'></span>")
    return (f"<header><div class='title'><div><h1>Shelfwise</h1><p class='shop'>"
            f"{escape(domain)}</p></div><div>{button}</div></div>{facts}{''.join(notes)}"
            f"</header>{_REFRESH_SCRIPT}")


_REFRESH_SCRIPT = """<script>
document.getElementById('refresh').addEventListener('click', async (event) => {
  const button = event.currentTarget, note = document.getElementById('refresh-note');
  button.disabled = true; note.textContent = ' Working…';
  try {
    const res = await fetch(button.dataset.url, {method: 'POST'});
    if (res.status === 200) { location.reload(); return; }
    note.textContent = res.status === 202
      ? ' Queued: the advice updates in a few minutes.' : ' Failed (HTTP ' + res.status + ').';
  } catch (err) { note.textContent = ' Failed: ' + err; }
  button.disabled = false;
});
</script>"""


def _card(section_id: str, title: str, subtitle: str, content: str) -> str:
    return (f"<section class='card' id='{section_id}'><h2>{escape(title)}</h2>"
            f"<p class='muted'>{subtitle}</p>{content}</section>")


def _forecast_section(charts: list[dict]) -> str:
    if not charts:
        return _card("forecasts", "Demand forecast", "Daily units, next 30 days.",
                     "<p class='empty'>No sales history yet.</p>")
    figures = []
    for c in charts:
        svg = forecast_chart(c["history"], c["forecast"],
                             title=f"{c['title']}: daily units sold and 30-day forecast")
        figures.append(f"<figure class='forecast-chart'><figcaption><strong>"
                       f"{escape(c['title'])}</strong><span>{c['total_30_days']:,.0f} units "
                       f"expected in the next 30 days</span></figcaption>{svg}</figure>")
    return _card("forecasts", "Demand forecast",
                 "Best sellers of the last 8 weeks: daily units sold, the forecast for the "
                 "next 30 days and its 80% and 95% prediction intervals.",
                 f"<div class='grid'>{''.join(figures)}</div>")


def _days(value) -> str:
    return "—" if value is None else f"{value:,.1f} days"


def _reorder_section(rows: list[dict], summary: dict, csv_link: str) -> str:
    lead = summary.get("lead_time_days", advice.DEFAULT_LEAD_TIME_DAYS) if summary else \
        advice.DEFAULT_LEAD_TIME_DAYS
    week = [r for r in rows if r["order_now"] > 0 or (
        r["days_of_cover"] is not None and r["days_of_cover"] <= 7 + float(lead))]
    download = (f"<a class='button' href='{escape(csv_link)}' download>Download the plan "
                f"(CSV)</a>")

    def table(items: list[dict]) -> str:
        head = ("<tr><th>Product</th><th>SKU</th><th class='num'>On hand</th>"
                "<th class='num'>Reorder point</th><th class='num'>Order now</th>"
                "<th class='num'>Order quantity</th><th class='num'>Forecast, 30 days</th>"
                "<th class='num'>Stock lasts</th><th>Stock-out date</th></tr>")
        body = "".join(
            f"<tr><td>{escape(r['product'])}</td><td>{escape(r['sku'])}</td>"
            f"<td class='num'>{r['on_hand']:,} units</td>"
            f"<td class='num'>{r['reorder_point']:,} units</td>"
            f"<td class='num'>{_badge_units(r['order_now'])}</td>"
            f"<td class='num'>{r['order_quantity']:,} units</td>"
            f"<td class='num'>{r['forecast_30_days']:,.1f} units</td>"
            f"<td class='num'>{_days(r['days_of_cover'])}</td>"
            f"<td>{escape(r['stockout_date'] or 'not within the forecast')}</td></tr>"
            for r in items)
        return f"<div class='table-wrap'><table>{head}{body}</table></div>"

    if not rows:
        content = "<p class='empty'>No item with sales yet.</p>"
    else:
        content = (f"<h3>Order this week ({len(week)} items)</h3>"
                   + (table(week) if week else "<p class='empty'>Nothing to order this week."
                                                "</p>")
                   + f"<details><summary>All {len(rows)} items</summary>{table(rows)}</details>"
                   + f"<p>{download}</p>")
    return _card("reorder", "Reorder plan",
                 f"What to order now, assuming suppliers deliver in {lead:g} days and a 95% "
                 f"fill rate; the stock-out date is when stock on hand runs out at the "
                 f"forecast rate.", content)


def _badge_units(n: int) -> str:
    if n > 0:
        return f"<span class='badge attention'>{n:,} units</span>"
    return "0 units"


def _upsell_section(pairs: list[dict]) -> str:
    if not pairs:
        content = "<p class='empty'>Not enough orders with two or more products yet.</p>"
    else:
        body = "".join(
            f"<tr><td>{escape(p['product'])}</td><td>{escape(p['recommended'])}</td>"
            f"<td class='num'>{p['orders_together']:,} orders</td>"
            f"<td class='num'>{p['confidence']:.0%}</td><td class='num'>{p['lift']:.2f}×</td>"
            f"<td class='why'>{escape(p['why'])}</td></tr>" for p in pairs)
        content = ("<div class='table-wrap'><table><tr><th>Product</th><th>Offer with it</th>"
                   "<th class='num'>Bought together</th><th class='num'>Confidence</th>"
                   "<th class='num'>Lift</th><th>Why</th></tr>" + body + "</table></div>")
    return _card("upsell", "Frequently bought together",
                 "The strongest pairs. Product pages show them through the "
                 "<code>complementary_products</code> metafield; confidence is the share of "
                 "orders with the product that also hold the offer, lift how much likelier "
                 "that is than chance.", content)


def _orders_section(orders: list[dict]) -> str:
    if not orders:
        content = "<p class='empty'>No orders yet.</p>"
    else:
        body = "".join(
            f"<tr><td>{escape(str(o['name']))}</td>"
            f"<td>{escape(str(o['created_at'] or '')[:16].replace('T', ' '))}</td>"
            f"<td class='num'>{escape(str(o['total']))} {escape(str(o['currency'] or ''))}</td>"
            f"<td class='num'>{o['items']:,} units</td>"
            f"<td>{_risk_badge(o['risk_level'], o['score'])}</td>"
            f"<td class='why'>{_reasons(o['reasons'])}</td></tr>" for o in orders)
        content = ("<div class='table-wrap'><table><tr><th>Order</th><th>Placed (UTC)</th>"
                   "<th class='num'>Total</th><th class='num'>Items</th><th>Risk</th>"
                   "<th>Reasons</th></tr>" + body + "</table></div>")
    return _card("orders", "Recent orders and their risk",
                 "Every new order is scored; MEDIUM and HIGH orders are tagged in Shopify "
                 "(<code>shelfwise-risk-medium</code>, <code>shelfwise-risk-high</code>).",
                 content)


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {escape(currency)}".strip()


def _segments_section(segments: list[dict], summary: dict) -> str:
    currency = (summary or {}).get("currency") or ""
    if not segments:
        content = "<p class='empty'>Too few customers to group yet.</p>"
    else:
        chart = bar_chart([(s["segment"], s["customers"],
                            f"{s['customers']:,} customers ({s['share']:.0%})")
                           for s in segments], title="Customers per segment")
        body = "".join(
            f"<tr><td>{escape(s['segment'])}</td><td class='num'>{s['customers']:,}</td>"
            f"<td class='num'>{_money(s['revenue'], currency)}</td>"
            f"<td class='num'>{s['expected_purchases_90_days']:,.0f} orders</td>"
            f"<td class='tag'><code>{escape(s.get('tag') or segment_tag(s['segment']))}"
            f"</code></td></tr>"
            for s in segments)
        content = (f"<div class='stack'><figure class='segments-chart'>{chart}</figure>"
                   "<div class='table-wrap'><table><tr><th>Segment</th>"
                   "<th class='num'>Customers</th><th class='num'>Spent so far</th>"
                   "<th class='num'>Expected, next 90 days</th><th>Customer tag</th></tr>"
                   + body + "</table></div></div>" + _tags_note(summary))
    return _card("segments", "Customer segments",
                 "Customers grouped by how recently, how often and how much they bought "
                 "(RFM), with the purchases a BG/NBD model expects from them. Each customer "
                 "carries the tag of its segment in Shopify: target a segment in Shopify's "
                 "customer segments and marketing tools.", content)


def _tags_note(summary: dict) -> str:
    tags = (summary or {}).get("segment_tags")
    if not tags:
        return ""
    if tags.get("note"):
        return (f"<p class='muted' id='segment-tags'>Customer tags not written: "
                f"{escape(tags['note'])}.</p>")
    return (f"<p class='muted' id='segment-tags'>Last run: {tags.get('written', 0):,} customers "
            f"tagged, {tags.get('unchanged', 0):,} unchanged.</p>")


def _anomalies_section(days: list[dict], summary: dict, revenue: dict | None = None) -> str:
    currency = (summary or {}).get("currency") or ""
    series = (revenue or {}).get("days") or []
    unit = f"{currency} per day" if currency else "revenue per day"
    chart = revenue_chart(series, [d["ds"] for d in days],
                          title=f"Daily revenue ({currency or 'shop currency'}), last 16 "
                                f"weeks, unusual days marked", unit=unit) if series else ""
    figure = f"<figure class='revenue-chart'>{chart}</figure>" if chart else ""
    if not days:
        content = figure + "<p class='empty'>No day of the last 16 weeks stands out.</p>"
    else:
        body = "".join(
            f"<tr><td>{escape(d['ds'])}</td>"
            f"<td class='num'>{_money(d['amount'], currency)}</td>"
            f"<td class='num'>{_typical(d.get('typical'), currency)}</td>"
            f"<td class='why'>{escape(d['reason'])}</td></tr>" for d in days)
        content = (figure + "<div class='table-wrap'><table><tr><th>Day</th>"
                   "<th class='num'>Revenue</th><th class='num'>Typical</th>"
                   "<th>Why it stands out</th></tr>" + body + "</table></div>")
    return _card("anomalies", "Unusual days of revenue",
                 "Daily revenue (the sum of order totals"
                 + (f", in {escape(currency)}" if currency else "") + ") of the last 16 "
                 "weeks; a day far from a typical day of the same weekday is flagged with "
                 "the reason.", content)


def _typical(value, currency: str) -> str:
    return "—" if value is None else f"about {_money(float(value), currency)}"


def _risk_badge(level: str | None, score) -> str:
    if not level:
        return "<span class='badge'>not scored</span>"
    tone = {"HIGH": "critical", "MEDIUM": "warning", "LOW": "success"}.get(level, "")
    pct = "" if score is None else " · <1%" if float(score) < 0.01 else f" · {float(score):.0%}"
    return f"<span class='badge {tone} risk-{level.lower()}'>{escape(level)}{pct}</span>"


def _reasons(text: str) -> str:
    parts = [p for p in (text or "").split("; ") if p]
    shown = "".join(f"<li>{escape(p)}</li>" for p in parts[:3])
    more = f"<li class='muted'>and {len(parts) - 3} more</li>" if len(parts) > 3 else ""
    return f"<ul>{shown}{more}</ul>" if parts else ""


_CSS = """
:root{--bg:#f1f1f1;--card:#fff;--text:#303030;--muted:#616161;--border:#e3e3e3;
--accent:#005bd3}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 -apple-system,
BlinkMacSystemFont,"San Francisco","Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
ui-title-bar,ui-nav-menu{display:none}
.page{max-width:1200px;margin:0 auto;padding:20px 24px 40px}
header h1{font-size:20px;margin:0 0 2px}
header .title{display:flex;justify-content:space-between;align-items:center;gap:12px}
button.button{border:0;cursor:pointer;font:inherit;font-weight:550}
button.button:disabled{opacity:.6;cursor:default}
.shop{margin:0;font-weight:600;color:var(--muted)}
.muted{color:var(--muted)}
.card{background:var(--card);border-radius:12px;padding:16px 20px;margin:16px 0;
box-shadow:0 1px 0 rgba(26,26,26,.07),0 1px 2px rgba(26,26,26,.15)}
.card h2{font-size:16px;margin:0 0 4px}
.card h3{font-size:14px;margin:14px 0 6px}
.card>p.muted{margin:0 0 12px}
.banner{border-radius:10px;padding:10px 14px;margin:10px 0}
.banner.info{background:#eaf4ff;border:1px solid #a4c8f0}
.banner.warning{background:#fff5ea;border:1px solid #f2c78e}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
figure{margin:0;border:1px solid var(--border);border-radius:10px;padding:10px 12px}
figcaption{display:flex;justify-content:space-between;gap:8px;margin-bottom:4px;
font-size:13px}
figcaption span{color:var(--muted)}
svg.chart{display:block;height:auto}
svg .tick{font-size:10px;fill:#616161}
svg .axis{font-size:10px;fill:#616161}
svg.bars .tick{font-size:12px;fill:#303030}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--border);
vertical-align:top}
th{font-weight:600;color:var(--muted);background:#f7f7f7}
td.num,th.num{text-align:right;white-space:nowrap}
td.why{max-width:420px}
td ul{margin:0;padding-left:16px}
.badge{display:inline-block;border-radius:8px;padding:1px 8px;background:#e3e3e3;
font-size:12px;font-weight:550;white-space:nowrap}
.badge.success{background:#cdfee1;color:#0c5132}
.badge.warning{background:#ffe600;color:#4f4700}
.badge.critical{background:#fedad9;color:#8e1f0b}
.badge.attention{background:#ffd6a4;color:#5e4200}
details{margin:10px 0}
summary{cursor:pointer;color:var(--accent)}
.button{display:inline-block;background:#303030;color:#fff;border-radius:8px;
padding:6px 12px;text-decoration:none;font-weight:550}
.empty{color:var(--muted);font-style:italic}
code{background:#f1f1f1;border-radius:4px;padding:0 4px;font-size:12px}
footer{margin-top:20px;font-size:12px}
.split{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:16px;
align-items:start}
figure.segments-chart{border:0;padding:0}
figure.revenue-chart{margin-bottom:12px;max-width:760px}
td.tag{white-space:nowrap}
.stack figure.segments-chart{max-width:680px;margin-bottom:12px}
"""
