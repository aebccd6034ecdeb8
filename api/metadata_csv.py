"""The metadata CSV of `callqa process --metadata calls.csv`.

One row per recording. `file` (required) is the recording's path relative to the CSV, or just
its file name; the other columns are optional: agent_id, agent_name, team, queue, direction
(inbound/outbound), started_at (ISO 8601; UTC when no zone is given), external_id, language
(en/zh). A bad row is reported with its line and field and only that recording is skipped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from store.metadata import METADATA_FIELDS, CallMetadata

ALLOWED_COLUMNS = ("file", *METADATA_FIELDS)


class MetadataFileError(ValueError):
    """The CSV as a whole is unusable (missing, unreadable, no `file` column, unknown columns)."""


@dataclass
class MetadataTable:
    by_path: dict[Path, CallMetadata] = field(default_factory=dict)
    by_name: dict[str, CallMetadata] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def for_file(self, path: Path) -> CallMetadata | str:
        """The row for a recording, or the error message of its bad row."""
        resolved = path.resolve()
        if resolved in self.by_path:
            return self.by_path[resolved]
        if path.name in self.errors:
            return self.errors[path.name]
        return self.by_name.get(path.name, CallMetadata())


def read_metadata_csv(csv_path: Path) -> MetadataTable:
    try:
        handle = csv_path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise MetadataFileError(f"{csv_path}: cannot open metadata file: {error.strerror}") from error
    table = MetadataTable()
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in (reader.fieldnames or [])]
        except (csv.Error, UnicodeDecodeError) as error:
            raise MetadataFileError(f"{csv_path}: not a readable CSV file: {error}") from error
        if "file" not in columns:
            raise MetadataFileError(
                f"{csv_path}: the header must have a 'file' column (has: {', '.join(columns)})"
            )
        unknown = [c for c in columns if c not in ALLOWED_COLUMNS]
        if unknown:
            raise MetadataFileError(
                f"{csv_path}: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(ALLOWED_COLUMNS)}"
            )
        try:
            for row in reader:
                _add_row(table, csv_path, reader.line_num, {k.strip(): v for k, v in row.items() if k})
        except (csv.Error, UnicodeDecodeError) as error:
            raise MetadataFileError(
                f"{csv_path}:{reader.line_num}: not a readable CSV row: {error}"
            ) from error
    return table


def _add_row(table: MetadataTable, csv_path: Path, line: int, row: dict[str, str | None]) -> None:
    file_value = (row.pop("file", None) or "").strip()
    if not file_value:
        return
    name = Path(file_value).name
    try:
        metadata = CallMetadata.model_validate(row)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        table.errors[name] = f"{csv_path.name} line {line}: {problems}"
        return
    table.by_path[(csv_path.parent / file_value).resolve()] = metadata
    table.by_name[name] = metadata
