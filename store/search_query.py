"""The transcript search language, parsed into a typed query and compiled for each database.

    refund                  the word in any form (refunds, refunded: its English stem; any case,
                            full-width too); Chinese: the characters, anywhere
    refund cancel           both, in the same turn (AND is implied; `AND` may be written)
    "cancel my account"     the phrase, words in this order, exactly as written (`"refund"`: not
                            "refunded")
    refund*                 words starting with `refund`
    refund OR credit        either
    refund NOT manager      `NOT x` or `-x`: turns that do not say it
    refund NEAR cancel      within 10 words of each other, either order (`NEAR/5`: within 5)
    (refund OR credit) NEAR/5 cancel  is not allowed: NEAR joins two words or phrases
    (refund OR credit) -manager       parentheses group

Every operator works within one turn (one party's consecutive speech); the speaker filter picks
whose turns. In Chinese, NEAR counts characters; between English words and phrases it counts
the words between exactly (every word is stored as two terms, the word and its stem, and a
phrase ends with its last word's stem: `refund NEAR/4 cancel` is FTS5's NEAR/9). Where one side
is Chinese and the other English, an English word between counts as two characters. A query is
refused with the reason and the place (`QuerySyntaxError`, answered as 422 by the API) rather
than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.search_text import QueryTerms, QueryText, query_terms

DEFAULT_NEAR = 10
MAX_NEAR = 50
"""PostgreSQL has no "within N" operator: NEAR/N becomes an exact distance for each number of
terms between, both ways (2(2N+2) for English, whose words are two terms each)."""
MAX_PARTS = 32
"""Words and phrases in one query: more says nothing more and only costs."""

_TOKEN = re.compile(r'\s+|"[^"]*"\*?|"|\(|\)|NEAR/\d+|[^\s()"]+')


class QuerySyntaxError(ValueError):
    """The query cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Match:
    """A word or a quoted phrase, as index terms."""

    text: str
    terms: QueryTerms


@dataclass(frozen=True)
class Near:
    left: Match
    right: Match
    distance: int


@dataclass(frozen=True)
class AllOf:
    """Every one of `parts`, and none of `excluded`."""

    parts: tuple[Node, ...]
    excluded: tuple[Node, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Match | Near | AllOf | AnyOf


@dataclass(frozen=True)
class SearchQuery:
    text: str
    root: Node

    def highlights(self) -> list[QueryText]:
        """The words and phrases to mark in a hit: what it was found for, not what it lacks."""
        return _wanted(self.root)


def parse(text: str) -> SearchQuery:
    tokens = [t for t in _TOKEN.findall(text) if not t.isspace()]
    if not tokens:
        raise QuerySyntaxError("the query is empty")
    parser = _Parser(tokens)
    root = parser.expression()
    if parser.at < len(tokens):
        raise QuerySyntaxError(f"unexpected {tokens[parser.at]!r} (a ')' without its '('?)")
    if parser.parts > MAX_PARTS:
        raise QuerySyntaxError(f"the query has {parser.parts} words and phrases; at most {MAX_PARTS}")
    return SearchQuery(text, root)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0
        self.parts = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self) -> Node:
        options = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            options.append(self.conjunction())
        return options[0] if len(options) == 1 else AnyOf(tuple(options))

    def conjunction(self) -> Node:
        parts: list[Node] = []
        excluded: list[Node] = []
        while (token := self.peek()) not in (None, ")", "OR"):
            if token == "AND":
                self.take()
                continue
            if token == "NOT" or token.startswith("-"):
                if token in ("NOT", "-"):
                    self.take()
                else:
                    self.tokens[self.at] = token[1:]  # `-manager`: the word without its minus
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise QuerySyntaxError("NOT must be followed by a word, a phrase or a group")
                excluded.append(self.near())
            else:
                parts.append(self.near())
        if not parts:
            if excluded:
                raise QuerySyntaxError("a query (or group, or side of OR) needs a word to find, not only NOT")
            raise QuerySyntaxError("OR, AND and '(' need a word, phrase or group after them")
        if len(parts) == 1 and not excluded:
            return parts[0]
        return AllOf(tuple(parts), tuple(excluded))

    def near(self) -> Node:
        left = self.atom()
        token = self.peek()
        if token is None or not (token == "NEAR" or token.startswith("NEAR/")):
            return left
        self.take()
        distance = DEFAULT_NEAR if token == "NEAR" else int(token[5:])
        if not 0 <= distance <= MAX_NEAR:
            raise QuerySyntaxError(f"{token}: the distance must be 0 to {MAX_NEAR} words")
        if self.peek() in (None, ")", "OR", "AND", "NOT"):
            raise QuerySyntaxError(f"{token} needs a word or phrase on each side")
        right = self.atom()
        if not isinstance(left, Match) or not isinstance(right, Match):
            raise QuerySyntaxError(f"{token} joins two words or phrases, not groups")
        following = self.peek()
        if following is not None and following.startswith("NEAR"):
            raise QuerySyntaxError("NEAR joins two words or phrases; write a NEAR b AND b NEAR c")
        return Near(left, right, distance)

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            inner = self.expression()
            if self.peek() != ")":
                raise QuerySyntaxError("a '(' is not closed")
            self.take()
            return inner
        if token == ")":
            raise QuerySyntaxError("a ')' without its '('")
        if token == '"':
            raise QuerySyntaxError("a phrase's '\"' is not closed")
        if token.startswith("NEAR"):
            raise QuerySyntaxError(f"{token} needs a word or phrase on each side")
        quoted = token.startswith('"')
        prefix = token.endswith("*")
        text = token.rstrip("*")[1:-1] if quoted else token.rstrip("*")
        terms = query_terms(text, prefix, forms=not quoted)
        if not terms.terms:
            raise QuerySyntaxError(f"{token!r} has no letters or digits to search for")
        self.parts += 1
        return Match(text, terms)


def _wanted(node: Node) -> list[QueryText]:
    if isinstance(node, Match):
        return [QueryText(node.text, node.terms.prefix, node.terms.forms)]
    if isinstance(node, Near):
        return [*_wanted(node.left), *_wanted(node.right)]
    return [wanted for part in node.parts for wanted in _wanted(part)]


def _terms_between(node: Near) -> int:
    """NEAR's distance in stored terms. Chinese terms are one a character. An English word is two
    (the word, its stem), a bare word matches its stem (the second) and a phrase starts at its
    first word and ends with its last word's stem (`QueryTerms.stored`): k words between are then
    2k or 2k + 1 terms, so 2N + 1 keeps exactly those with at most N words between."""
    if node.left.terms.english or node.right.terms.english:
        return 2 * node.distance + 1
    return node.distance


def to_fts5(query: SearchQuery) -> str:
    """The query as an SQLite FTS5 MATCH expression over the index's terms."""
    return _fts5(query.root)


def _fts5(node: Node) -> str:
    if isinstance(node, Match):
        return _fts5_phrase(node.terms)
    if isinstance(node, Near):
        return (
            f"NEAR({_fts5_phrase(node.left.terms)} {_fts5_phrase(node.right.terms)}, {_terms_between(node)})"
        )
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(_fts5(part) for part in node.parts) + ")"
    found = "(" + " AND ".join(_fts5(part) for part in node.parts) + ")"
    for excluded in node.excluded:
        found = f"({found} NOT {_fts5(excluded)})"
    return found


def _fts5_phrase(terms: QueryTerms) -> str:
    quoted = '"' + " ".join(t.replace('"', '""') for t in terms.stored()) + '"'
    return quoted + " *" if terms.prefix else quoted


def to_tsquery(query: SearchQuery) -> str:
    """The query as a PostgreSQL `tsquery` literal over the same terms (cast, never parsed by a
    text-search configuration, so the terms stay exactly as indexed)."""
    return _tsquery(query.root)


def _tsquery(node: Node) -> str:
    if isinstance(node, Match):
        return _ts_phrase(node.terms)
    if isinstance(node, Near):
        left, right = _ts_phrase(node.left.terms), _ts_phrase(node.right.terms)
        # FTS5 counts the terms between the two; <k> is the step from one's last term to the other's first
        steps = range(1, _terms_between(node) + 2)
        return (
            "(" + " | ".join(f"{a} <{k}> {b}" for a, b in ((left, right), (right, left)) for k in steps) + ")"
        )
    if isinstance(node, AnyOf):
        return "(" + " | ".join(_tsquery(part) for part in node.parts) + ")"
    return (
        "("
        + " & ".join([*(_tsquery(p) for p in node.parts), *(f"!{_tsquery(e)}" for e in node.excluded)])
        + ")"
    )


def _ts_phrase(terms: QueryTerms) -> str:
    lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms.stored()]
    if terms.prefix:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"
