"""faster-whisper over the separated channels of a call.

Each party's channel is decoded on its own (stereo recordings) so that who said what comes
from the wiring, not from a guess. A mono mix is one "unknown" speaker until diarization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from asr.decode import TARGET_RATE, DecodedAudio
from asr.model_files import ResolvedModel, resolve_model
from asr.transcript import ChannelInfo, Layout, Segment, Speaker, Transcript, Word

AgentSide = Literal["left", "right"]

FASTER_WHISPER_VERSION = "1.2.1"


@dataclass(frozen=True)
class AsrOptions:
    """Everything that changes the transcript; `version` keys stored transcripts on it."""

    model_english: str = "tiny.en"
    model_multilingual: str = "base"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 1
    vad_filter: bool = True
    cache_dir: Path = field(default=Path.home() / ".cache" / "callqa")

    @property
    def version(self) -> str:
        return (
            f"fw{FASTER_WHISPER_VERSION}:{self.model_english}|{self.model_multilingual}:"
            f"b{self.beam_size}:vad{int(self.vad_filter)}"
        )

    def transcribe_kwargs(self) -> dict[str, Any]:
        """The decoding settings, shared with the benchmark's bare faster-whisper run."""
        return {
            "beam_size": self.beam_size,
            "word_timestamps": True,
            "vad_filter": self.vad_filter,
            "condition_on_previous_text": False,
        }


class Transcriber:
    """Holds loaded models for the life of a worker process: loading costs more than a short call."""

    def __init__(self, options: AsrOptions) -> None:
        self.options = options
        self._models: dict[str, tuple[ResolvedModel, Any]] = {}

    def model_for(self, language: str | None) -> tuple[ResolvedModel, Any]:
        name = self.options.model_english if language == "en" else self.options.model_multilingual
        if name not in self._models:
            from faster_whisper import WhisperModel

            resolved = resolve_model(name, self.options.cache_dir)
            model = WhisperModel(
                str(resolved.path),
                device=self.options.device,
                compute_type=self.options.compute_type,
                cpu_threads=self.options.cpu_threads,
            )
            self._models[name] = (resolved, model)
        return self._models[name]

    def transcribe(self, audio: DecodedAudio, agent_side: AgentSide, language: str | None) -> Transcript:
        layout, parties = split_parties(audio, agent_side)
        if language is None:
            language, language_probability = self._detect_language(parties[0][2])
        else:
            language_probability = 1.0
        resolved, model = self.model_for(language)
        segments: list[Segment] = []
        channels: list[ChannelInfo] = []
        for speaker, channel_index, samples in parties:
            fw_segments, info = model.transcribe(
                samples,
                language=None if resolved.english_only else language,
                **self.options.transcribe_kwargs(),
            )
            for fw in fw_segments:
                segment = _segment(fw, speaker, channel_index)
                if segment is not None:
                    segments.append(segment)
            channels.append(_channel_info(samples, speaker, channel_index, info.duration_after_vad))
        segments.sort(key=lambda s: (s.start, s.end))
        return Transcript(
            language=language,
            language_probability=language_probability,
            duration_s=round(audio.duration_s, 3),
            layout=layout,
            model=resolved.name,
            asr_version=self.options.version,
            channels=channels,
            segments=segments,
        )

    def _detect_language(self, samples: np.ndarray) -> tuple[str, float]:
        _, model = self.model_for(None)
        language, probability, _ = model.detect_language(samples, vad_filter=True)
        return str(language), float(probability)


def split_parties(
    audio: DecodedAudio, agent_side: AgentSide
) -> tuple[Layout, list[tuple[Speaker, int | None, np.ndarray]]]:
    """Agent first. Stereo: one channel per party as wired; mono (or a 1-channel file): one mix."""
    if audio.channel_count >= 2:
        agent = 0 if agent_side == "left" else 1
        layout: Layout = "agent_left" if agent == 0 else "agent_right"
        return layout, [
            ("agent", agent, audio.samples[agent]),
            ("customer", 1 - agent, audio.samples[1 - agent]),
        ]
    return "mono", [("unknown", None, audio.samples[0])]


def _segment(fw: Any, speaker: Speaker, channel: int | None) -> Segment | None:
    text = fw.text.strip()
    if not text:
        return None
    words = [
        Word(
            start=round(float(w.start), 3),
            end=round(float(w.end), 3),
            text=w.word.strip(),
            probability=round(float(w.probability), 4),
        )
        for w in (fw.words or [])
    ]
    return Segment(
        speaker=speaker,
        channel=channel,
        start=round(float(words[0].start if words else fw.start), 3),
        end=round(float(words[-1].end if words else fw.end), 3),
        text=text,
        avg_logprob=round(float(fw.avg_logprob), 4),
        no_speech_prob=round(float(fw.no_speech_prob), 4),
        words=words,
    )


def _channel_info(samples: np.ndarray, speaker: Speaker, index: int | None, speech_s: float) -> ChannelInfo:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return ChannelInfo(
        index=index if index is not None else 0,
        speaker=speaker,
        rms_dbfs=round(_dbfs(rms), 1),
        peak_dbfs=round(_dbfs(peak), 1),
        speech_seconds=round(float(speech_s), 2),
    )


def _dbfs(value: float) -> float:
    return 20.0 * float(np.log10(max(value, 1e-10)))


__all__ = ["TARGET_RATE", "AgentSide", "AsrOptions", "Transcriber", "split_parties"]
