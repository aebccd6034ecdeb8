"""Audio the tests feed in: the sample recordings and generated tones."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from tests.support import ROOT

SAMPLES = ROOT / "samples"


def tone(seconds: float = 1.0, rate: int = 8000, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    return np.stack([wave] * channels, axis=1)


def wav_bytes(freq: float = 440.0) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, tone(1.0, freq=freq, channels=2), 8000, format="WAV")
    return buffer.getvalue()
