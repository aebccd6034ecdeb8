"""How transcript text becomes search terms, the same for SQLite FTS5 and PostgreSQL.

Both databases index a string of terms made here, not the text: SQLite's FTS5 splits it on the
spaces (unicode61), PostgreSQL reads it as a `tsvector` literal. One tokenisation in Python means
the two deployments find the same turns, whatever the database's locale or parser.

- Latin script and digits: words, NFKC-normalised (full-width letters become ASCII) and case-folded.
- Chinese has no spaces. A run of Han characters becomes its overlapping character bigrams, then its
  last character alone (`要退款了` -> `要退 退款 款了 了`). Any two or more characters of a run are then
  a phrase of consecutive bigrams, and one character is a prefix match (`了*` finds the final `了`).
  Chosen over FTS5's trigram tokenizer, which cannot find a term under 3 characters (most Chinese
  words are 2: 退款, 取消), and over jieba segmentation, whose split of a query can differ from its
  split of the same characters in a sentence (a word is then not found), and which adds a 50 MB
  dictionary to load; bigrams find every substring of two or more characters, exactly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
_MASK = re.compile(r"\[[A-Z_]+\]")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_WORD_CHAR = rf"[^\W_{_HAN}]"
MAX_TERM = 60
"""A longer "word" (a URL, a run of digits) is cut: PostgreSQL refuses lexemes over 2 KB."""


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def is_han(run: str) -> bool:
    """Whether a run from `runs` is Chinese (a run is all Han characters or none)."""
    return _HAN_CHAR.match(run) is not None


def runs(text: str) -> list[str]:
    """The words and Han runs of `text`, normalised."""
    return [m.group()[:MAX_TERM] for m in _RUN.finditer(normalise(text))]


def index_terms(text: str) -> list[str]:
    """The terms a turn is indexed under, in order (their positions count for phrases and NEAR).
    The placeholders redaction leaves (`[CARD]`, `[PHONE]`: scoring/pii.py) are not terms, so a
    search for "card" does not list every masked number."""
    out: list[str] = []
    for run in runs(_MASK.sub(" ", text)):
        if is_han(run):
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
    return out


@dataclass(frozen=True)
class QueryTerms:
    """A query word or phrase as the index's terms: match them at consecutive positions, the last
    one as a prefix when `prefix` is set. Empty when the text has no letters or digits."""

    terms: tuple[str, ...]
    prefix: bool


def query_terms(text: str, prefix: bool = False) -> QueryTerms:
    """The consecutive terms that find `text` anywhere a turn says it.

    A Han run followed by a word carries its final character too, as the index has it there; a
    run of one character at the end is a prefix, since the index holds it inside a bigram."""
    found = runs(text)
    out: list[str] = []
    for n, run in enumerate(found):
        last = n == len(found) - 1
        if not is_han(run):
            out.append(run)
            continue
        if len(run) == 1:
            out.append(run)
            prefix = prefix or last
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        if not last:
            out.append(run[-1])
    return QueryTerms(tuple(out), prefix and bool(out))


def highlight_spans(text: str, wanted: list[QueryText]) -> list[tuple[int, int]]:
    """Where in `text` (character offsets, sorted, not overlapping) the query's words and phrases
    are said, for marking them. Matched on the normalised text, so `ＲＥＦＵＮＤ` marks as `refund`
    does; a phrase's words may be separated by spaces or punctuation, as the index ignores them."""
    folded, origin = _folded(text)
    masks = [m.span() for m in _MASK.finditer(text)]  # `[CARD]` is not the word "card"
    spans: list[tuple[int, int]] = []
    for item in wanted:
        pattern = _pattern(item)
        if pattern is None:
            continue
        for m in pattern.finditer(folded):
            span = (origin[m.start()], origin[m.end() - 1] + 1)
            if m.end() > m.start() and not any(a < span[1] and span[0] < b for a, b in masks):
                spans.append(span)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class QueryText:
    """A word or phrase of a query as the user wrote it (`prefix`: written with a final `*`)."""

    text: str
    prefix: bool = False


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` normalised character by character, with each folded character's original offset."""
    folded: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for piece in normalise(char):
            folded.append(piece)
            origin.append(i)
    return "".join(folded), origin


def _pattern(item: QueryText) -> re.Pattern[str] | None:
    parts: list[str] = []
    found = runs(item.text)
    for n, run in enumerate(found):
        if is_han(run):
            parts.append(re.escape(run))
            continue
        tail = rf"{_WORD_CHAR}*" if item.prefix and n == len(found) - 1 else ""
        parts.append(rf"(?<!{_WORD_CHAR}){re.escape(run)}{tail}(?!{_WORD_CHAR})")
    return re.compile(r"[\W_]*?".join(parts)) if parts else None
