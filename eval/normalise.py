"""ASR text normalisation of SCHEMA section 6.1: Whisper's English normaliser; for Mandarin
NFKC, Traditional to Simplified, Chinese numerals to digits, then Han characters and
alphanumeric runs as tokens (so the metric is CER over Han characters)."""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

_ZH_TOKENS = re.compile(r"[\u4e00-\u9fff]|[a-z0-9']+")


@lru_cache(maxsize=1)
def _english() -> Any:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def tokens(text: str, language: str) -> list[str]:
    if language == "zh":
        return _ZH_TOKENS.findall(_mandarin(text))
    return str(_english()(text)).split()


def _mandarin(text: str) -> str:
    import cn2an

    logging.getLogger("cn2an").setLevel(logging.ERROR)
    text = _t2s().convert(unicodedata.normalize("NFKC", text))
    with contextlib.suppress(ValueError, KeyError):
        text = cn2an.transform(text, "cn2an")
    return text.lower()
