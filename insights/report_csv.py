"""A report as CSV: one row per group (all, each agent, team and queue), for spreadsheets."""

from __future__ import annotations

import csv
import io

from insights.report import GroupFigures, Report

COLUMNS = (
    "dimension",
    "key",
    "calls_scored",
    "machine_pass_rate",
    "mean_score",
    "reviewed",
    "audited",
    "audited_pass_rate",
    "audited_ci_low",
    "audited_ci_high",
    "dead_air_mean_s",
    "customers_negative",
    "customers_neutral",
    "customers_positive",
    "customers_unknown",
    "routed_review",
    "routed_recovery",
    "failed_items",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for group in report.groups():
        writer.writerow(_row(group))
    return out.getvalue()


def _row(group: GroupFigures) -> list[object]:
    ci = group.audited_ci
    mood = group.customer_end
    items = "; ".join(
        f"{i.item_id} {i.failed}/{i.decided}" + (f" ({i.reviewed} reviewed)" if i.reviewed else "")
        for i in group.items
    )
    return [
        group.dimension.value,
        _cell(group.key),
        group.calls_scored,
        _blank(group.machine_pass_rate),
        _blank(group.mean_score),
        group.reviewed,
        group.audited,
        _blank(group.audited_pass_rate),
        _blank(ci.low if ci else None),
        _blank(ci.high if ci else None),
        _blank(group.dead_air_mean_s),
        mood.negative,
        mood.neutral,
        mood.positive,
        mood.unknown,
        group.routed_review,
        group.routed_recovery,
        _cell(items),
    ]


def _blank(value: float | None) -> object:
    return "" if value is None else round(value, 4)


def _cell(text: str) -> str:
    """An agent id or team from metadata that starts like a formula is not run by a spreadsheet."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
