"""The real transcriber on a short call: sequential, side-by-side and batched decoding, Mandarin
output script."""

from __future__ import annotations

from pathlib import Path

from asr.decode import decode
from asr.transcriber import AsrOptions, Transcriber, _simplified
from tests.support.transcripts import segment


def test_batched_path_runs_on_cpu_and_agrees(short_call: Path, model_cache: Path) -> None:
    """The GPU configuration (BatchedInferencePipeline over clips) exercised on the CPU."""
    audio = decode(short_call)
    sequential = Transcriber(AsrOptions(cache_dir=model_cache)).transcribe(audio, "left", "en")
    batched = Transcriber(AsrOptions(cache_dir=model_cache, batch_size=2)).transcribe(audio, "left", "en")
    assert "recorded for training" in batched.text_of("agent").lower()
    assert batched.layout == sequential.layout == "agent_left"
    assert abs(len(batched.text_of("agent")) - len(sequential.text_of("agent"))) < 0.3 * len(
        sequential.text_of("agent")
    )
    assert batched.asr_version == sequential.asr_version  # batching changes speed, not the settings key


def test_decoding_side_by_side_gives_the_same_transcript(short_call: Path, model_cache: Path) -> None:
    audio = decode(short_call)
    alone = Transcriber(AsrOptions(cache_dir=model_cache, decode_workers=1)).transcribe(audio, "left", "en")
    paired = Transcriber(AsrOptions(cache_dir=model_cache, decode_workers=2)).transcribe(audio, "left", "en")
    assert paired.segments == alone.segments and paired.segments


def test_nothing_is_emitted_in_silence(short_call: Path, model_cache: Path) -> None:
    """The excerpt's customer channel is silent after 16 s: no words may appear there."""
    transcript = Transcriber(AsrOptions(cache_dir=model_cache)).transcribe(decode(short_call), "left", "en")
    customer = transcript.by_speaker("customer")
    assert customer and all(w.end < 16.5 for s in customer for w in s.words)
    assert all(c.speech_ratio > 0 and c.snr_db > 20 for c in transcript.channels)


def test_traditional_characters_become_simplified() -> None:
    converted = _simplified(segment("agent", 0.0, 2.0, "華信銀行為您服務"))
    assert converted.text == "华信银行为您服务"
    assert converted.words[0].text == "华信银行为您服务"
