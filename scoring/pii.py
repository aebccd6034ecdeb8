"""Personal data in transcripts: card numbers, national ID numbers, phone numbers, e-mails and
spoken digit runs, found and masked, with the offsets of every masked span in the original text.

Callers read numbers aloud ("four five five six ...", "六六八一"), and Whisper writes them as words,
digits or a mix, so digits are recognised in all three forms before they are classified: a run
that passes the Luhn check is a card, 18 digits with a valid GB 11643 check digit a Chinese ID,
and any other run of 4+ digits (account numbers, dates of birth, codes) is masked as digits, since
it is exactly what an identity check asks for. Written phone numbers are found by `phonenumbers`.
"""

from __future__ import annotations

import re
from typing import Literal

import phonenumbers
from pydantic import BaseModel

from asr.transcript import Transcript

PiiKind = Literal["card", "national_id", "phone", "email", "digits"]
MIN_DIGITS = 4
_ORDER: tuple[PiiKind, ...] = ("email", "card", "national_id", "phone", "digits")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[\u4e00-\u9fff]|[^\s\w]")
_JOINERS = {"-", ",", ".", "/", "，", "、"}
_WORD_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_PHONE_REGION = {"en": "US", "zh": "CN"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class PiiSpan(BaseModel):
    kind: PiiKind
    start: int  # character offsets in the original segment text
    end: int


class RedactedSegment(BaseModel):
    index: int  # position in transcript.segments
    text: str  # the segment's text with each span replaced by [KIND]
    spans: list[PiiSpan]


class Redaction(BaseModel):
    segments: list[RedactedSegment]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for segment in self.segments:
            for span in segment.spans:
                out[span.kind] = out.get(span.kind, 0) + 1
        return out


def phone_region(language: str | None) -> str:
    return _PHONE_REGION.get(language or "", "US")


def redact_transcript(transcript: Transcript, region: str | None = None) -> Redaction:
    region = region or phone_region(transcript.language)
    out = []
    for index, segment in enumerate(transcript.segments):
        spans = find_pii(segment.text, region)
        if spans:
            out.append(RedactedSegment(index=index, text=mask(segment.text, spans), spans=spans))
    return Redaction(segments=out)


def e164(number: str, region: str = "US") -> str:
    """The number as E.164; one without a country code is read in `region`."""
    parsed = _parsed(number, region)
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number (too short or too long for its country)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _parsed(number: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"not a phone number: {error}") from None


def numbers_said(transcript: Transcript, redaction: Redaction | None = None) -> set[str]:
    """Every phone number said in the call, as E.164, from the spans the redaction masked (found
    now when there is none), read in the call's language's region: written numbers, and digits
    read out as words ("four one five ...") that make a valid number there."""
    region = phone_region(transcript.language)
    redaction = redaction if redaction is not None else redact_transcript(transcript, region)
    numbers = set()
    for masked in redaction.segments:
        if masked.index >= len(transcript.segments):
            continue
        text = transcript.segments[masked.index].text
        for span in masked.spans:
            number = _as_phone_number(text[span.start : span.end], span.kind, region)
            if number is not None:
                numbers.add(number)
    return numbers


def _as_phone_number(said: str, kind: PiiKind, region: str) -> str | None:
    if kind not in ("digits", "phone"):
        return None
    if kind == "digits":
        said = "".join(digits for _, _, digits in digit_runs(said))
    try:
        parsed = _parsed(said, region)
    except ValueError:
        return None
    # digits read out are a phone number only when valid there: an account number is not one
    taken = (
        phonenumbers.is_valid_number(parsed) if kind == "digits" else phonenumbers.is_possible_number(parsed)
    )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if taken else None


def redacted_view(transcript: Transcript, redaction: Redaction | None = None) -> Transcript:
    """The transcript as people without access to personal data see it, masked by the redaction
    stored with its analysis (found now when there is none yet). Word timings of a masked segment
    are dropped with its text: the words are where the digits are."""
    redaction = redaction if redaction is not None else redact_transcript(transcript)
    segments = list(transcript.segments)
    for masked in redaction.segments:
        if masked.index < len(segments):
            segments[masked.index] = segments[masked.index].model_copy(
                update={"text": masked.text, "words": []}
            )
    return transcript.model_copy(update={"segments": segments})


def find_pii(text: str, phone_region: str = "US") -> list[PiiSpan]:
    found = [PiiSpan(kind="email", start=m.start(), end=m.end()) for m in _EMAIL.finditer(text)]
    found += [_classify(start, end, digits) for start, end, digits in digit_runs(text)]
    found += [
        PiiSpan(kind="phone", start=m.start, end=m.end)
        for m in phonenumbers.PhoneNumberMatcher(text, phone_region, leniency=phonenumbers.Leniency.POSSIBLE)
    ]
    return _without_overlaps(found)


def mask_text(text: str, phone_region: str = "US") -> str:
    return mask(text, find_pii(text, phone_region))


def mask(text: str, spans: list[PiiSpan]) -> str:
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        text = text[: span.start] + f"[{span.kind.upper()}]" + text[span.end :]
    return text


def digit_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each run of 4+ digits, written as digits, words or Han numerals."""
    runs: list[tuple[int, int, str]] = []
    start = end = -1
    digits = ""
    repeat = 1
    for match in _TOKEN.finditer(text):
        token = match.group().lower()
        value = token if token.isdigit() else _WORD_DIGITS.get(token)
        if value is not None:
            start = match.start() if not digits else start
            digits += value * repeat
            end, repeat = match.end(), 1
        elif token == "x" and len(digits) == 17:  # the check character of a Chinese ID
            digits += "X"
            end = match.end()
        elif token in _REPEAT and (digits or _next_is_digit(text, match.end())):
            start = match.start() if not digits else start
            repeat = _REPEAT[token]
        elif token in _JOINERS and digits:
            continue
        else:
            if len(digits) >= MIN_DIGITS:
                runs.append((start, end, digits))
            digits, repeat = "", 1
    if len(digits) >= MIN_DIGITS:
        runs.append((start, end, digits))
    return runs


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def china_id_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    return number[17].upper() == check


def _classify(start: int, end: int, digits: str) -> PiiSpan:
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return PiiSpan(kind="card", start=start, end=end)
    if len(digits) == 18 and china_id_valid(digits):
        return PiiSpan(kind="national_id", start=start, end=end)
    return PiiSpan(kind="digits", start=start, end=end)


def _next_is_digit(text: str, position: int) -> bool:
    following = _TOKEN.search(text, position)
    return following is not None and _WORD_DIGITS.get(following.group().lower(), following.group()).isdigit()


def _without_overlaps(spans: list[PiiSpan]) -> list[PiiSpan]:
    """The most specific kind wins where two findings overlap (a phone is not also "digits")."""
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (_ORDER.index(s.kind), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
