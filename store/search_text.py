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
- Word forms: each word (a run of letters or digits) is followed by its Snowball English stem as a
  term of its own, marked with STEM (`refunded it` -> `refunded ~refund it ~it`, `~` being STEM).
  A bare query word matches the stem term, so `refund` finds "refunded" and "refunds"; a quoted
  phrase and a prefix match the words as said. Neither FTS5 (unicode61, no stemmer) nor a
  `tsvector` literal can put two terms at one position, so the stem takes the next one: every
  word is two positions, and a phrase is compiled with each word's stem term after it
  (store/search_query.py), which keeps it consecutive. Latin words in Chinese turns are English
  loanwords (iPhone, OK), so every Latin word gets its stem; Han runs have none.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
_MASK = re.compile(r"\[[A-Z_]+\]")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_WORD_CHAR = rf"[^\W_{_HAN}]"
MAX_TERM = 60
"""A longer "word" (a URL, a run of digits) is cut: PostgreSQL refuses lexemes over 2 KB."""
STEM = "\ue000"
"""Marks a stem term. A private-use character: FTS5's unicode61 keeps it inside a term (its default
token categories are L*, N* and Co) and a `tsvector` literal takes any character, while neither a
transcript nor a query can make one (it is no word character here), so only stems carry it."""
TERMS_VERSION = 2
"""How terms are made, stored with each indexed call (`search_calls.terms_version`): 1 had no stem
terms. A call indexed by an older version has its terms made again from its stored text
(services/search_index.py: `retokenise_outdated`, a scheduled job; migration 0022)."""
_stemmers = threading.local()


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def is_han(run: str) -> bool:
    """Whether a run from `runs` is Chinese (a run is all Han characters or none)."""
    return _HAN_CHAR.match(run) is not None


def runs(text: str) -> list[str]:
    """The words and Han runs of `text`, normalised."""
    return [m.group()[:MAX_TERM] for m in _RUN.finditer(normalise(text))]


def index_terms(text: str) -> list[str]:
    """The words and Chinese terms a turn says, in order (`stored_terms` adds the words' stems).
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


def stored_terms(text: str) -> list[str]:
    """The terms a turn is stored under: `index_terms`, each word followed by its stem term."""
    out: list[str] = []
    for term in index_terms(text):
        out.append(term)
        if not is_han(term):
            out.append(stem_term(term))
    return out


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball English stem of a normalised word (`refunded` -> `refund`). A stemmer object
    keeps the word it works on, so each thread has its own; the cache is shared."""
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    stemmed: str = stemmer.stemWord(word)
    return stemmed


def stem_term(word: str) -> str:
    return STEM + stem(word)


@dataclass(frozen=True)
class QueryTerms:
    """A query word or phrase as the index's terms: match them at consecutive positions, the last
    one as a prefix when `prefix` is set. Empty when the text has no letters or digits. `forms`:
    one bare word, which matches any word with its stem."""

    terms: tuple[str, ...]
    prefix: bool
    forms: bool = False

    def stored(self) -> tuple[str, ...]:
        """The stored terms to match consecutively (`stored_terms`): the stem term alone for
        `forms`; else each word followed by its stem term, but for a prefix, which only the word
        as said can start."""
        if self.forms:
            return (stem_term(self.terms[0]),)
        out: list[str] = []
        for n, term in enumerate(self.terms):
            out.append(term)
            if not is_han(term) and not (self.prefix and n == len(self.terms) - 1):
                out.append(stem_term(term))
        return tuple(out)

    @property
    def english(self) -> bool:
        """Whether any term is a word (two stored positions each) rather than Chinese."""
        return any(not is_han(term) for term in self.terms)


def query_terms(text: str, prefix: bool = False, forms: bool = False) -> QueryTerms:
    """The consecutive terms that find `text` anywhere a turn says it; `forms` (a bare word in the
    query) keeps only for a single word without a prefix: a phrase or Chinese is found as written.

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
    single_word = len(out) == 1 and not is_han(out[0])
    return QueryTerms(tuple(out), prefix and bool(out), forms and single_word and not prefix)


@dataclass(frozen=True)
class QueryText:
    """A word or phrase of a query as the user wrote it (`prefix`: written with a final `*`;
    `forms`: a bare word, found in any of its forms, as `QueryTerms.forms`)."""

    text: str
    prefix: bool = False
    forms: bool = False


@dataclass(frozen=True)
class FoundText:
    """Where a turn says one of the query's words or phrases (character spans, in order)."""

    wanted: QueryText
    spans: tuple[tuple[int, int], ...]


def found_in(text: str, wanted: list[QueryText]) -> list[FoundText]:
    """Which of the query's words and phrases `text` says, and where (those it does not say are
    left out). Matched on the normalised text, so `ＲＥＦＵＮＤ` is found as `refund` is; a phrase's
    words may be separated by spaces or punctuation, as the index ignores them; a bare word
    finds every word with its stem."""
    folded, origin = _folded(text)
    masks = [m.span() for m in _MASK.finditer(text)]  # `[CARD]` is not the word "card"
    out: list[FoundText] = []
    for item in wanted:
        spans: list[tuple[int, int]] = []
        for start, end in _places(item, folded):
            span = (origin[start], origin[end - 1] + 1)
            if end > start and not any(a < span[1] and span[0] < b for a, b in masks):
                spans.append(span)
        if spans:
            out.append(FoundText(item, tuple(spans)))
    return out


def highlight_spans(text: str, wanted: list[QueryText]) -> list[tuple[int, int]]:
    """Where in `text` (character offsets, sorted, not overlapping) the query's words and phrases
    are said, for marking them (`found_in`, merged)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for found in found_in(text, wanted) for span in found.spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _places(item: QueryText, folded: str) -> list[tuple[int, int]]:
    """Where `item` is said in the folded text, as offsets into it."""
    if item.forms:
        wanted = stem(runs(item.text)[0])
        return [
            m.span()
            for m in _RUN.finditer(folded)
            if not is_han(m.group()) and stem(m.group()[:MAX_TERM]) == wanted
        ]
    pattern = _pattern(item)
    return [] if pattern is None else [m.span() for m in pattern.finditer(folded)]


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
