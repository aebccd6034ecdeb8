"""A sentence-transformers encoder run by ONNX Runtime instead of PyTorch.

The analysis stage's largest cost is embedding a call's sentences with all-MiniLM-L6-v2; on
2 CPU cores ONNX Runtime gave the same vectors (cosine > 0.9999) in about half the time of
PyTorch (measured with a thread per core, before THREADS below). The graph (transformer and
mean pooling) is exported in memory from the verified weights when a worker first needs it
(about 1.5 s), so no second copy of the model is kept on disk or has to be trusted.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

BATCH = 8  # a call's units are short and few, and a batch is padded to its longest text

THREADS = 1
"""Threads per encoding. A worker process encodes one call at a time and processes give the
parallelism (`--concurrency`); ONNX Runtime's default (a thread per core, spinning between
operators) made the analysis worker burn 0.21 core-seconds per call, four times its work,
taking that CPU from the ASR workers on the same host."""
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxSentenceModel:
    def __init__(self, model: Any) -> None:
        """`model`: a loaded SentenceTransformer whose modules are Transformer, mean Pooling and
        (optionally) Normalize; callers normalise the vectors themselves."""
        import onnxruntime

        self._tokenizer = model.tokenizer
        self._max_length = int(model.max_seq_length)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = THREADS
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            _export(model[0].auto_model, self._tokenizer), options, providers=["CPUExecutionProvider"]
        )
        self._dimension = int(self._session.get_outputs()[0].shape[1])

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            tokens = self._tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=self._max_length,
                return_tensors="np",
            )
            feed = {name: tokens[name].astype(np.int64) for name in _INPUTS}
            vectors[batch] = self._session.run(None, feed)[0]
        return vectors


def _export(transformer: Any, tokenizer: Any) -> bytes:
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    sample = tokenizer(["an example sentence", "two"], padding=True, return_tensors="pt")
    buffer = io.BytesIO()
    target: Any = buffer  # export writes to a file object too; its annotation names only paths
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on traced shapes, not problems
        torch.onnx.export(
            MeanPooled().eval(),
            tuple(sample[name] for name in _INPUTS),
            target,
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in _INPUTS}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()
