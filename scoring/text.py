"""Text normalisation shared by every matcher, so "You’re", "you're" and "YOU'RE" agree.

Chinese has no spaces between words: spaces between Han characters are dropped, so matching
works on characters.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s']+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'").lower()
    text = _PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _HAN_GAP.sub("", text)


def has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
