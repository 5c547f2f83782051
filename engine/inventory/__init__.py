"""Reorder decisions: lead-time demand distributions, fill-rate policies and order quantities."""

from engine.inventory.eoq import economic_order_quantity, round_order_quantity
from engine.inventory.leadtime import LeadTimeDemand, lead_time_demand
from engine.inventory.plan import PLAN_COLUMNS, check_items, plan_from_forecast, plan_reorders
from engine.inventory.policy import ReorderPolicy, fill_rate_rs, fill_rate_sq

__all__ = [
    "PLAN_COLUMNS", "LeadTimeDemand", "ReorderPolicy", "check_items", "economic_order_quantity",
    "fill_rate_rs", "fill_rate_sq", "lead_time_demand", "plan_from_forecast", "plan_reorders",
    "round_order_quantity",
]
