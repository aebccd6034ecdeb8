"""Scores made by hand, for routing and sampling."""

from __future__ import annotations

from scoring.results import ItemResult, Score


def make_score(total: float, verdict: str, statuses: dict[str, str] | None = None) -> Score:
    items = [
        ItemResult(
            item_id=name,
            label=name.title(),
            section="s",
            status=status,  # type: ignore[arg-type]
            points=0.0,
            max_points=20.0,
            critical=name == "disclosure",
            reason="not said",
        )
        for name, status in (statuses or {}).items()
    ]
    return Score(
        scorecard_id="c",
        scorecard_version=1,
        total=total,
        verdict=verdict,  # type: ignore[arg-type]
        pass_mark=80,
        review_margin=10,
        items=items,
    )
