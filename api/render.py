"""How calls look on a terminal: the results table of `process` and the page of `show`.

Every string a user supplied (file names, metadata, transcripts, quotes, scorecard labels, token
names, error messages that echo them) reaches a console through `safe`, nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from asr.transcript import Transcript
from scoring.escalation import Escalation
from scoring.results import Analysis, ConversationStats, FindingKind, ItemResult, Verdict
from scoring.routing import RoutingQueue
from scoring.sentiment import SentimentSummary
from services.agreement import InspectorAgreementView, ItemAgreementView
from store.tables import Call, CallStatus

# C0 controls but newline and tab, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: object) -> Text:
    """User-supplied text as a terminal may show it. A `Text` is never read as Rich markup, so a
    file named `[link=http://evil]click[/link].wav` prints its brackets; control characters are
    dropped, so ESC sequences cannot clear or retitle the terminal, CR and backspace cannot
    overwrite what was printed and bidi overrides cannot reorder it. Newlines and tabs stay:
    messages such as a scorecard's list of problems are several lines."""
    return Text(_UNSAFE.sub("", str(value)))


def message(label: str, style: str, text: object) -> Text:
    """A CLI message: our own label in its colour (`error:`, `skipped:`), then `text` through `safe`."""
    return Text.assemble(Text(label, style=style), " ", safe(text))


def terminal_json(document: Any) -> str:
    """`document` as indented JSON that is safe to print: `json.dumps` escapes C0 controls itself
    but, to keep Chinese readable (`ensure_ascii=False`), leaves C1 controls and bidi overrides
    raw; they are written as `\\uXXXX` escapes here, which decode to the same data."""
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def results_table(calls: list[Call], notes: dict[str, str] | None = None) -> Table:
    notes = notes or {}
    table = Table(title="callqa results", show_lines=False, expand=True)
    for name, kwargs in (
        ("call", {"no_wrap": True}),
        ("file", {"overflow": "fold"}),
        ("agent", {}),
        ("duration", {"justify": "right"}),
        ("lang", {}),
        ("score", {"justify": "right"}),
        ("verdict", {}),
        ("routing", {}),
        ("top reasons", {"ratio": 3}),
    ):
        table.add_column(name, **kwargs)
    for call in calls:
        table.add_row(
            call.id[:8],
            safe(call.filename),
            safe(call.agent_id or "-"),
            f"{call.duration_s:.1f}s" if call.duration_s else "-",
            call.detected_language or call.language or "-",
            f"{call.score_total:.0f}" if call.score_total is not None else "-",
            _verdict(call),
            _routing(call),
            safe(notes.get(call.id) or top_reasons(call)),
        )
    return table


def top_reasons(call: Call, limit: int = 2) -> str:
    if call.status == CallStatus.FAILED:
        return call.failure_reason or "failed"
    if call.status != CallStatus.SCORED:
        return call.status
    reasons = call.routing_reasons or []
    more = f" (+{len(reasons) - limit} more)" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more if reasons else "-"


def _verdict(call: Call) -> Text:
    if call.status == CallStatus.FAILED:
        return Text("ERROR", style="bold red")
    if call.verdict is None:
        return Text(call.status, style="dim")
    return Text(call.verdict.upper(), style="bold red" if call.verdict == Verdict.FAIL else "green")


def _routing(call: Call) -> str:
    names = {RoutingQueue.REVIEW: "review", RoutingQueue.AUTO_PASS: "auto-pass"}
    return names.get(RoutingQueue(call.routing_queue), "-") if call.routing_queue else "-"


def call_page(call: Call, transcript: Transcript | None, analysis: Analysis | None) -> Group:
    header = Table.grid(padding=(0, 2))
    for label, value in (
        ("call", call.id),
        ("file", call.filename),
        ("status", call.status + (f": {call.failure_reason}" if call.failure_reason else "")),
        ("agent", " ".join(v for v in (call.agent_id, call.agent_name) if v) or "-"),
        ("queue / team", f"{call.queue or '-'} / {call.team or '-'}"),
        ("started", call.started_at.isoformat() if call.started_at else "-"),
        ("duration", f"{call.duration_s:.1f} s" if call.duration_s else "-"),
        ("language", call.detected_language or call.language or "-"),
        (
            "score",
            f"{call.score_total:.1f} ({(call.verdict or '-').upper()})"
            if call.score_total is not None
            else "-",
        ),
        ("routing", f"{call.routing_queue or '-'}: {'; '.join(call.routing_reasons or []) or '-'}"),
        ("customer at the end", call.customer_sentiment or "-"),
        ("recovery", "call back: " + "; ".join(call.recovery_reasons or []) if call.recovery else "no"),
    ):
        header.add_row(Text(label, style="bold"), safe(value))
    parts: list[Any] = [header]
    if transcript is not None:
        lines = Table(title=safe(f"Transcript ({transcript.layout}, {transcript.model})"), expand=True)
        lines.add_column("time", no_wrap=True)
        lines.add_column("speaker", no_wrap=True)
        lines.add_column("text", ratio=1)
        for segment in transcript.segments:
            lines.add_row(
                f"{_clock(segment.start)}-{_clock(segment.end)}", segment.speaker, safe(segment.text)
            )
        parts.append(lines)
    if analysis is not None:
        parts.extend(_analysis_parts(analysis))
    return Group(*parts)


def _analysis_parts(analysis: Analysis) -> list[Any]:
    score = analysis.score
    items = Table(title=safe(f"Scorecard {score.scorecard_id} v{score.scorecard_version}"), expand=True)
    for column in ("section", "item", "result", "points", "evidence"):
        items.add_column(column, ratio=3 if column == "evidence" else None)
    for item in score.items:
        items.add_row(
            safe(item.section),
            safe(item.label + (" *" if item.critical else "")),
            item.status.upper(),
            f"{item.points:g}/{item.max_points:g}",
            safe(_evidence(item)),
        )
    parts: list[Any] = [items]
    if analysis.stats:
        parts.append(Text(_stats_line(analysis.stats)))
    if analysis.sentiment:
        parts.append(safe(_sentiment_line(analysis.sentiment, analysis.escalation)))
    if analysis.redaction:
        found = analysis.redaction.counts()
        masked = ", ".join(f"{n} {kind}" for kind, n in sorted(found.items())) or "none found"
        parts.append(Text(f"personal data (masked for agents and trainers): {masked}"))
    timing_kinds = (FindingKind.SILENCE, FindingKind.OVERTALK, FindingKind.HOLD)
    findings = [f for f in analysis.findings if f.kind in timing_kinds]
    if findings:
        timing = Table(title="Silences, hold and overtalk", expand=True)
        timing.add_column("time", no_wrap=True)
        timing.add_column("finding")
        for f in findings:
            timing.add_row(f"{_clock(f.start)}-{_clock(f.end)}", safe(f"{f.kind}: {f.detail}"))
        parts.append(timing)
    return parts


def _stats_line(stats: ConversationStats) -> str:
    parts = []
    if stats.agent_talk_ratio is not None:
        parts.append(f"talk: agent {stats.agent_talk_ratio:.0%}")
    rates = ", ".join(f"{k} {v:.0f} {stats.rate_unit}" for k, v in stats.speaking_rate.items())
    parts.append(f"rate: {rates or '-'}")
    if stats.mean_response_latency_s is not None:
        parts.append(f"response latency: {stats.mean_response_latency_s:.1f} s")
    monologue = stats.longest_monologue
    if monologue:
        parts.append(f"longest monologue: {monologue.speaker} {monologue.seconds:.0f} s")
    parts.append(
        f"overtalk {stats.overtalk_seconds:.1f} s, silence {stats.silence_seconds:.0f} s, "
        f"hold {stats.hold_seconds:.0f} s"
    )
    return " | ".join(parts)


def _sentiment_line(sentiment: SentimentSummary, escalation: Escalation | None) -> str:
    parts = [
        f"customer: overall {sentiment.customer_overall or '-'}, "
        f"end {sentiment.customer_end or '-'} ({sentiment.trajectory or '-'})"
    ]
    cues = escalation.cues if escalation else []
    if cues:
        parts.append("cues: " + "; ".join(f'{_clock(c.start)} {c.label} "{c.quote}"' for c in cues))
    return " | ".join(parts)


def _evidence(item: ItemResult) -> str:
    pieces = [
        f'{_clock(e.start)} {e.speaker or ""} "{e.quote}" ({e.confidence:.2f})'.replace("  ", " ")
        for e in item.evidence
        if e.quote
    ]
    return "; ".join(pieces) or item.reason


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def agreement_table(rows: Sequence[ItemAgreementView | InspectorAgreementView]) -> Table:
    """Machine-inspector agreement per item or per inspector, intervals beside each figure."""
    by = "item" if all(isinstance(row, ItemAgreementView) for row in rows) else "inspector"
    table = Table(title=f"machine vs inspectors, per {by} (newest decision per reviewed item)", expand=False)
    for name in (by, "reviews", "accuracy", "95% interval", "kappa", "95% interval"):
        table.add_column(name, justify="left" if name == by else "right")
    for row in rows:
        kappa_ci = f"{row.kappa_ci.low:.2f}-{row.kappa_ci.high:.2f}" if row.kappa_ci else "-"
        table.add_row(
            safe(row.item if isinstance(row, ItemAgreementView) else row.inspector),
            str(row.reviews),
            f"{row.accuracy:.2f}",
            f"{row.accuracy_ci.low:.2f}-{row.accuracy_ci.high:.2f}",
            "-" if row.kappa is None else f"{row.kappa:.2f}",
            kappa_ci,
        )
    return table
