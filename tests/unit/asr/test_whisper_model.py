"""Word timings that the alignment misplaces are brought back to the decoder's timestamps."""

from __future__ import annotations

from typing import Any

import pytest
from faster_whisper import WhisperModel

from asr.whisper_model import CheckedWhisperModel, misaligned, spread


def _words(*spans: tuple[str, float, float]) -> list[dict[str, Any]]:
    return [{"word": w, "start": a, "end": b, "probability": 0.9} for w, a, b in spans]


def test_words_seconds_away_from_their_segment_are_misaligned() -> None:
    assert misaligned(_words((" Hello,", 20.16, 21.56), (" you", 21.56, 27.5)), 0.0, 4.48)
    assert not misaligned(_words((" Hello,", 0.9, 1.5), (" you", 1.5, 4.9)), 0.0, 4.48)
    assert not misaligned([], 0.0, 4.48)


def test_spread_lays_the_words_over_the_segment_by_length() -> None:
    words = spread(_words((" Hi", 20.0, 20.0), (" there", 20.0, 20.0)), 1.0, 3.0)
    assert [w["word"] for w in words] == [" Hi", " there"]
    assert words[0]["start"] == 1.0 and words[-1]["end"] == pytest.approx(3.0)
    assert words[0]["end"] == pytest.approx(1.0 + 2.0 * 2 / 7, abs=0.01)


def test_a_misplaced_segment_gets_its_own_timestamps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def misplace(self: Any, segments: list[list[dict[str, Any]]], *args: Any, **kwargs: Any) -> float:
        segments[0][0]["words"] = _words((" Hello,", 20.16, 21.56), (" Alex.", 21.56, 27.52))
        segments[0][0]["start"], segments[0][0]["end"] = 20.16, 27.52
        segments[0][1]["words"] = _words((" Thanks.", 30.1, 30.9))
        segments[0][1]["start"], segments[0][1]["end"] = 30.1, 30.9
        return 30.9

    monkeypatch.setattr(WhisperModel, "add_word_timestamps", misplace)
    model = object.__new__(CheckedWhisperModel)  # no weights needed for the timing check
    segments = [[{"start": 0.0, "end": 4.48}, {"start": 30.0, "end": 31.0}]]
    last = model.add_word_timestamps(segments, None, None, 3000, "", "", 0.0)
    first, second = segments[0]
    assert (first["start"], first["end"]) == (0.0, 4.48)
    assert first["words"][0]["start"] == 0.0 and first["words"][-1]["end"] == pytest.approx(4.48)
    assert (second["start"], second["end"]) == (30.1, 30.9)  # a good alignment is kept
    assert last == 30.9
