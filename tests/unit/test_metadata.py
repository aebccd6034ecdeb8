"""Call metadata from CSV rows and API fields: bad values are named, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.metadata_csv import MetadataFileError, read_metadata_csv
from store.metadata import CallMetadata


def test_rows_by_path_and_name(tmp_path: Path) -> None:
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "file,agent_id,team,queue,started_at,external_id,language\n"
        "rec/a.wav,A1,blue,billing,2026-11-01T09:00:00+01:00,X-1,en\n"
        "b.mp3,A2,,,2026-11-01 10:00,,zh\n"
    )
    table = read_metadata_csv(csv)
    first = table.for_file(tmp_path / "rec" / "a.wav")
    assert isinstance(first, CallMetadata) and first.agent_id == "A1" and first.external_id == "X-1"
    assert first.started_at is not None and first.started_at.utcoffset() is not None
    second = table.for_file(Path("/elsewhere/b.mp3"))
    assert isinstance(second, CallMetadata) and second.team is None and second.language == "zh"
    assert second.started_at is not None and second.started_at.tzinfo is not None
    assert table.for_file(tmp_path / "unlisted.wav") == CallMetadata()


def test_bad_row_names_line_and_field(tmp_path: Path) -> None:
    csv = tmp_path / "calls.csv"
    csv.write_text("file,agent_id,started_at,direction\na.wav,A1,yesterday,inbound\nb.wav,A2,,sideways\n")
    table = read_metadata_csv(csv)
    assert "calls.csv line 2: started_at" in str(table.for_file(tmp_path / "a.wav"))
    assert "calls.csv line 3: direction" in str(table.for_file(tmp_path / "b.wav"))


@pytest.mark.parametrize(
    ("content", "message"),
    [("agent_id\nA1\n", "must have a 'file' column"), ("file,agentid\na.wav,A1\n", "unknown column")],
)
def test_unusable_files(tmp_path: Path, content: str, message: str) -> None:
    csv = tmp_path / "calls.csv"
    csv.write_text(content)
    with pytest.raises(MetadataFileError, match=message):
        read_metadata_csv(csv)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MetadataFileError, match="cannot open"):
        read_metadata_csv(tmp_path / "none.csv")


def test_language_is_checked() -> None:
    with pytest.raises(ValidationError):
        CallMetadata(language="fr")  # type: ignore[arg-type]
