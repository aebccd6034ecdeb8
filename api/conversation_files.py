"""Conversation files for `callqa import`: JSON (one conversation per file) and CSV (one turn per row).

JSON follows `POST /conversations`' body. CSV has a row per turn with the conversation's columns
repeated on each row (external_id, agent_id, agent_name, team, queue, direction, started_at,
language, channel) and the turn's (speaker, start, end, text); rows of one external_id form one
conversation, in file order. Every problem is reported as `file:line: field: problem` (for JSON,
the field's path in the document, e.g. `turns[3].speaker`), and a bad conversation is skipped
alone: the others in the file are still imported.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.conversations import ConversationIn, TurnIn

CONVERSATION_COLUMNS = (
    "external_id",
    "agent_id",
    "agent_name",
    "team",
    "queue",
    "direction",
    "started_at",
    "language",
    "channel",
)
TURN_COLUMNS = ("speaker", "start", "end", "text")
SUFFIXES = (".json", ".csv")


@dataclass
class ConversationFile:
    conversations: list[ConversationIn] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_conversations(path: Path) -> ConversationFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return ConversationFile(errors=[f"{path}: cannot read it: {error}"])
    if path.suffix.lower() == ".json":
        return _json(path, text)
    if path.suffix.lower() == ".csv":
        return _csv(path, text)
    return ConversationFile(errors=[f"{path}: not a conversation file (.json or .csv)"])


def collect(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The conversation files named, and those in the folders named (recursively)."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def field_path(location: tuple[int | str, ...]) -> str:
    """pydantic's error location as a reader writes it: `turns[3].speaker`."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _json(path: Path, text: str) -> ConversationFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return ConversationFile(errors=[f"{path}:{error.lineno}: not valid JSON: {error.msg}"])
    try:
        return ConversationFile(conversations=[ConversationIn.model_validate(document)])
    except ValidationError as error:
        return ConversationFile(
            errors=[f"{path}: {field_path(e['loc'])}: {e['msg']}" for e in error.errors()]
        )


def _csv(path: Path, text: str) -> ConversationFile:
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in ("external_id", *TURN_COLUMNS) if c not in columns]
    unknown = [c for c in columns if c not in (*CONVERSATION_COLUMNS, *TURN_COLUMNS)]
    if missing or unknown:
        problem = (
            f"missing columns {', '.join(missing)}" if missing else f"unknown columns {', '.join(unknown)}"
        )
        return ConversationFile(errors=[f"{path}:1: header: {problem} (columns: {', '.join(columns)})"])
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for line, row in enumerate(reader, start=2):
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        grouped.setdefault(values["external_id"], []).append((line, values))
    result = ConversationFile()
    for external_id, rows in grouped.items():
        conversation = _conversation(path, external_id, rows, result.errors)
        if conversation is not None:
            result.conversations.append(conversation)
    return result


def _conversation(
    path: Path, external_id: str, rows: list[tuple[int, dict[str, Any]]], errors: list[str]
) -> ConversationIn | None:
    first_line, first = rows[0]
    turns: list[TurnIn] = []
    failed = False
    for line, row in rows:
        for name in CONVERSATION_COLUMNS:
            if row.get(name, "") != first.get(name, ""):
                errors.append(
                    f"{path}:{line}: {name}: differs from line {first_line} of the same conversation"
                )
                failed = True
        turn = {name: row[name] or None for name in TURN_COLUMNS}
        try:
            turns.append(TurnIn.model_validate(turn))
        except ValidationError as error:
            errors += [
                f"{path}:{line}: {field_path(e['loc']) if e['loc'] else 'turn'}: {e['msg']}"
                for e in error.errors()
            ]
            failed = True
    if failed:
        return None
    fields = {name: first[name] or None for name in CONVERSATION_COLUMNS if name in first}
    try:
        return ConversationIn.model_validate({**fields, "turns": turns})
    except ValidationError as error:
        errors += [f"{path}:{first_line}: {field_path(e['loc'])}: {e['msg']}" for e in error.errors()]
        return None
