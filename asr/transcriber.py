"""faster-whisper over the separated channels of a call, decoding only where there is speech.

Each party's channel is transcribed on its own (stereo recordings), so who said what comes from
the wiring, checked against what each side says (`asr.roles`). Speech regions come from an
energy detector (`asr.speech`); only those are decoded (`PackedStream`). Output passes the
hallucination guards (`asr.guards`). A mono mix is diarized into two voices (`asr.diarize`),
and the roles assigned from what each voice says.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from asr.decode import TARGET_RATE, DecodedAudio
from asr.guards import GuardParams, GuardReport, keep
from asr.model_files import ResolvedModel, resolve_model
from asr.roles import SILENT_RATIO, decide_roles, pick_agent
from asr.speech import ChannelAnalysis, Region, SpeechParams, analyse_channel
from asr.transcript import ChannelInfo, HoldSpan, Layout, Segment, Speaker, TimeSpan, Transcript, Word

AgentSide = Literal["left", "right"]

FASTER_WHISPER_VERSION = "1.2.1"
PIPELINE_VERSION = 7  # 5: windows from region boundaries; 6: mono overlaps; 7: word timings checked
MAX_CLIP_S = 30.0
GAP_S = 0.3


@dataclass(frozen=True)
class AsrOptions:
    """Everything that changes the transcript; `version` keys stored transcripts on it."""

    model_english: str = "tiny.en"
    model_multilingual: str = "base"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    decode_workers: int = 2  # decodes run side by side; does not change the transcript
    beam_size: int = 1
    agent_beam_size: int | None = None  # the scored party's channel may get a wider beam
    batch_size: int = 0
    diarize: bool = True
    prompt_vocabulary: bool = False
    cache_dir: Path = field(default=Path.home() / ".cache" / "callqa")

    @property
    def version(self) -> str:
        return (
            f"fw{FASTER_WHISPER_VERSION}:p{PIPELINE_VERSION}:{self.model_english}|{self.model_multilingual}:"
            f"b{self.beam_size}{f'a{self.agent_beam_size}' if self.agent_beam_size else ''}:"
            f"d{int(self.diarize)}:v{int(self.prompt_vocabulary)}"
        )

    def model_name(self, language: str | None) -> str:
        """English calls get the English-only model; every other language (or none known yet) the
        multilingual one."""
        return self.model_english if language == "en" else self.model_multilingual

    def beam_for(self, speaker: Speaker) -> int:
        """Separated channels only: on a mono mix nobody's words are known to be the agent's."""
        return self.agent_beam_size if speaker == "agent" and self.agent_beam_size else self.beam_size

    def transcribe_kwargs(self) -> dict[str, Any]:
        """The decoding settings, shared with the pipeline benchmark's bare faster-whisper run.

        No temperature fallback: on audio Whisper cannot read it re-decodes each window up to five
        times and mostly produces the same loops (6x slower on the Mandarin dev calls); on the
        English calls it changed no word. Loops that remain are cut by the guards.
        """
        return {
            "beam_size": self.beam_size,
            "word_timestamps": True,
            "condition_on_previous_text": False,
            "temperature": 0.0,
        }


@dataclass(frozen=True)
class Party:
    speaker: Speaker
    channel: int | None
    samples: np.ndarray
    analysis: ChannelAnalysis


class Transcriber:
    """Holds loaded models for the life of a worker process: loading costs more than a short call."""

    def __init__(self, options: AsrOptions, guards: GuardParams = GuardParams()) -> None:
        self.options = options
        self.guards = guards
        self._models: dict[str, tuple[ResolvedModel, Any]] = {}

    def model_for(self, language: str | None) -> tuple[ResolvedModel, Any]:
        name = self.options.model_name(language)
        if name not in self._models:
            from asr.whisper_model import CheckedWhisperModel

            resolved = resolve_model(name, self.options.cache_dir)
            model = CheckedWhisperModel(
                str(resolved.path),
                device=self.options.device,
                compute_type=self.options.compute_type,
                cpu_threads=self.options.cpu_threads,
                num_workers=self.options.decode_workers,
            )
            self._models[name] = (resolved, model)
        return self._models[name]

    def transcribe(
        self,
        audio: DecodedAudio,
        agent_side: AgentSide,
        language: str | None,
        vocabulary: Sequence[str] = (),
    ) -> Transcript:
        layout, parties = split_parties(audio, agent_side)
        language_probability = 1.0
        if language is None:
            language, language_probability = self._detect_language(parties)
        resolved, model = self.model_for(language)
        report = GuardReport()
        prompt = ", ".join(vocabulary) if self.options.prompt_vocabulary and vocabulary else None

        def decode_job(job: tuple[Party, list[Region]]) -> list[Segment]:
            party, regions = job
            return self._decode(
                model,
                resolved,
                PackedStream.build(party, regions),
                language,
                prompt if party.speaker != "unknown" else None,
                self.options.beam_for(party.speaker),
            )

        # Decodes side by side: a tiny decoder's step is too small to keep two threads busy, so
        # two decodes at once take a third off the wall time of a call (see README). Batched
        # decoding (GPU) gets each party's whole stream and cuts its own clips.
        jobs = (
            [(party, party.analysis.regions) for party in parties]
            if self.options.batch_size > 0
            else decode_jobs(parties)
        )
        with ThreadPoolExecutor(max_workers=self.options.decode_workers) as pool:
            decoded = list(pool.map(decode_job, jobs))
        segments = [
            kept
            for party_segments in decoded
            for segment in party_segments
            if (kept := keep(segment, self.guards, report)) is not None
        ]
        notes = report.summary()
        overlaps: list[TimeSpan] = []
        if len(parties) == 1 and self.options.diarize and segments:
            segments, overlaps, note = self._diarize(parties[0], segments, language, vocabulary)
            notes.insert(0, note)
        if len(parties) == 2:
            decision = decide_roles(
                [s for s in segments if s.speaker == "agent"],
                [s for s in segments if s.speaker == "customer"],
                language,
                vocabulary,
            )
            notes.insert(0, decision.reason)
            if decision.swapped:
                layout = "agent_right" if layout == "agent_left" else "agent_left"
                parties = [_relabel(parties[1], "agent"), _relabel(parties[0], "customer")]
                segments = [s.model_copy(update={"speaker": _other(s.speaker)}) for s in segments]
        notes.extend(quality_warnings(parties))
        if language == "zh":
            segments = [_simplified(s) for s in segments]
        return Transcript(
            language=language,
            language_probability=round(language_probability, 3),
            duration_s=round(audio.duration_s, 3),
            layout=layout,
            model=resolved.name,
            asr_version=self.options.version,
            channels=[_channel_info(p) for p in parties],
            segments=sorted(segments, key=lambda s: (s.start, s.end)),
            holds=[
                HoldSpan(start=h.start, end=h.end, kind=h.kind, channel=p.channel)
                for p in parties
                for h in p.analysis.holds
            ],
            overlaps=overlaps,
            notes=notes,
        )

    def _diarize(
        self, party: Party, segments: list[Segment], language: str, vocabulary: Sequence[str]
    ) -> tuple[list[Segment], list[TimeSpan], str]:
        from asr.diarize import diarize, overlaps

        turns = diarize(party.samples, party.analysis.regions)
        if turns.speakers < 2:
            return segments, [], "mono: one voice found; speaker left unknown"
        voices = [part for s in segments for part in split_by_voice(s, turns.speaker_at)]
        sides = [[s for s, v in voices if v == k] for k in (0, 1)]
        agent, note = pick_agent(sides, language, vocabulary)
        both = overlaps(party.samples, turns, party.analysis.noise_floor_dbfs)
        return (
            [s.model_copy(update={"speaker": "agent" if v == agent else "customer"}) for s, v in voices],
            [TimeSpan(start=a, end=b) for a, b in both],
            note,
        )

    def _detect_language(self, parties: Sequence[Party]) -> tuple[str, float]:
        """On the speech of the party that talks most, not on leading silence or ringing."""
        _, model = self.model_for(None)
        party = max(parties, key=lambda p: p.analysis.speech_seconds)
        speech = PackedStream.build(party).samples[: int(30 * TARGET_RATE)]
        language, probability, _ = model.detect_language(speech if speech.size else party.samples)
        return str(language), float(probability)

    def _decode(
        self,
        model: Any,
        resolved: ResolvedModel,
        stream: PackedStream,
        language: str,
        prompt: str | None,
        beam_size: int,
    ) -> list[Segment]:
        """`prompt`: the queue's vocabulary (company, products) as Whisper's initial prompt, when
        `prompt_vocabulary` is on, on separated channels only (on a mono mix it measured worse).
        Off by default: with tiny.en on the dev calls it raised the agent WER (0.22 vs 0.17); the
        vocabulary still serves as agent cues for the role decision."""
        if not stream.pieces:
            return []
        kwargs = {
            **self.options.transcribe_kwargs(),
            "beam_size": beam_size,
            "language": None if resolved.english_only else language,
            "initial_prompt": prompt,
        }
        if self.options.batch_size > 0:
            from faster_whisper import BatchedInferencePipeline

            # With its default without_timestamps=True, tiny models return almost nothing for a
            # clip holding several utterances; timestamp tokens keep them decoding turn by turn.
            fw_segments, _ = BatchedInferencePipeline(model).transcribe(
                stream.samples,
                clip_timestamps=stream.clips(),
                batch_size=self.options.batch_size,
                without_timestamps=False,
                **kwargs,
            )
        else:
            fw_segments, _ = model.transcribe(stream.samples, vad_filter=False, **kwargs)
        return stream.segments(fw_segments)


def split_parties(audio: DecodedAudio, agent_side: AgentSide) -> tuple[Layout, list[Party]]:
    """Agent first. Stereo: one channel per party as wired; mono (or a 1-channel file): one mix."""
    if audio.channel_count >= 2:
        agent = 0 if agent_side == "left" else 1
        layout: Layout = "agent_left" if agent == 0 else "agent_right"
        a, c = audio.samples[agent], audio.samples[1 - agent]
        return layout, [
            Party("agent", agent, a, analyse_channel(a, other=c)),
            Party("customer", 1 - agent, c, analyse_channel(c, other=a)),
        ]
    mono = audio.samples[0]
    return "mono", [Party("unknown", None, mono, analyse_channel(mono))]


@dataclass(frozen=True)
class Piece:
    """One party's stretch of speech, placed at `offset` seconds in the packed stream."""

    party: Party
    region: Region
    offset: float

    @property
    def end_offset(self) -> float:
        return self.offset + self.region.duration

    def original(self, t: float) -> float:
        return round(min(max(self.region.start + t - self.offset, self.region.start), self.region.end), 3)


@dataclass(frozen=True)
class PackedStream:
    """A party's speech regions back to back, with a short silence between them.

    Only speech is decoded, so silence and hold cost nothing and give Whisper nothing to
    hallucinate on; the silences keep turns apart. Each word is mapped back to its piece, so
    to its original time. One stream per channel: mixing both voices in one stream measured
    worse on the customer side (the decoder's context then follows the agent).
    """

    samples: np.ndarray
    pieces: list[Piece]

    @classmethod
    def build(cls, party: Party, regions: Sequence[Region] | None = None) -> PackedStream:
        """`regions`: a part of the party's speech regions (default: all of them)."""
        gap = np.zeros(int(GAP_S * TARGET_RATE), dtype=np.float32)
        arrays: list[np.ndarray] = []
        pieces: list[Piece] = []
        cursor = 0
        for region in party.analysis.regions if regions is None else regions:
            chunk = party.samples[int(region.start * TARGET_RATE) : int(region.end * TARGET_RATE)]
            pieces.append(
                Piece(
                    party, Region(region.start, region.start + chunk.size / TARGET_RATE), cursor / TARGET_RATE
                )
            )
            arrays.extend((chunk, gap))
            cursor += chunk.size + gap.size
        samples = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.float32)
        return cls(samples=samples, pieces=pieces)

    def clips(self, max_s: float = MAX_CLIP_S) -> list[dict[str, float]]:
        """Consecutive pieces grouped into clips of at most `max_s`, for batched decoding."""
        clips: list[list[float]] = []
        for piece in self.pieces:
            start = piece.offset
            while piece.end_offset - start > max_s:
                clips.append([start, start + max_s])
                start += max_s
            if clips and start == piece.offset and piece.end_offset - clips[-1][0] <= max_s:
                clips[-1][1] = piece.end_offset
            else:
                clips.append([start, piece.end_offset])
        return [{"start": round(a, 3), "end": round(b, 3)} for a, b in clips]

    def segments(self, fw_segments: Iterable[Any]) -> list[Segment]:
        """One segment per piece a Whisper segment touches, with original times and speaker."""
        offsets = [p.offset for p in self.pieces]
        out: list[Segment] = []
        for fw in fw_segments:
            groups: list[tuple[Piece, list[Any]]] = []
            for word in fw.words or []:
                index = max(bisect.bisect_right(offsets, (word.start + word.end) / 2) - 1, 0)
                piece = self.pieces[index]
                if groups and groups[-1][0] is piece:
                    groups[-1][1].append(word)
                else:
                    groups.append((piece, [word]))
            for piece, words in groups:
                segment = _segment(fw, piece, words)
                if segment is not None:
                    out.append(segment)
        return out


def decode_jobs(parties: Sequence[Party]) -> list[tuple[Party, list[Region]]]:
    """Each party's consecutive speech regions, grouped into jobs that fill one Whisper window.

    Jobs run side by side on the decode workers, a mono call's as well as a stereo call's. A
    job starts its window at a region boundary, where Whisper's own seeking would start the
    next window at its last timestamp, sometimes inside a word: on the dev calls the agent WER
    fell from 0.172 to 0.149. Without conditioning on earlier text no context is lost between
    jobs. A region longer than a window is a job of its own, in which Whisper seeks as usual.
    """
    jobs: list[tuple[Party, list[Region]]] = []
    for party in parties:
        group: list[Region] = []
        for region in party.analysis.regions:
            if group and sum(r.duration + GAP_S for r in group) + region.duration > MAX_CLIP_S:
                jobs.append((party, group))
                group = []
            group.append(region)
        if group:
            jobs.append((party, group))
    return jobs


def split_by_voice(segment: Segment, voice_at: Callable[[float], int]) -> list[tuple[Segment, int]]:
    """Cut a segment wherever the voice under its words changes."""
    groups: list[tuple[int, list[Word]]] = []
    for word in segment.words:
        voice = voice_at((word.start + word.end) / 2)
        if groups and groups[-1][0] == voice:
            groups[-1][1].append(word)
        else:
            groups.append((voice, [word]))
    if len(groups) <= 1:
        return [(segment, groups[0][0] if groups else voice_at(segment.start))]
    return [(segment.with_words(words), voice) for voice, words in groups]


def quality_warnings(parties: Sequence[Party]) -> list[str]:
    warnings = []
    if len(parties) == 2:
        speaking = [p for p in parties if p.analysis.speech_ratio >= SILENT_RATIO]
        if len(speaking) == 1:
            silent = next(p for p in parties if p not in speaking)
            warnings.append(f"one-way audio: the {silent.speaker} channel is silent")
    for party in parties:
        if party.analysis.bleed_seconds > 1.0:
            warnings.append(
                f"crosstalk: {party.analysis.bleed_seconds:.1f} s of the other party bleeds into the "
                f"{party.speaker} channel (ignored)"
            )
        if party.analysis.clipping_ratio > 0.001:
            warnings.append(f"clipping on the {party.speaker} channel ({party.analysis.clipping_ratio:.1%})")
    return warnings


def _segment(fw: Any, piece: Piece, words: list[Any]) -> Segment | None:
    text = "".join(w.word for w in words).strip()
    if not text:
        return None
    return Segment(
        speaker=piece.party.speaker,
        channel=piece.party.channel,
        start=piece.original(float(words[0].start)),
        end=piece.original(float(words[-1].end)),
        text=text,
        avg_logprob=round(float(fw.avg_logprob), 4),
        no_speech_prob=round(float(fw.no_speech_prob), 4),
        words=[
            Word(
                start=piece.original(float(w.start)),
                end=piece.original(float(w.end)),
                text=w.word.strip(),
                probability=round(float(w.probability), 4),
            )
            for w in words
        ],
    )


def _other(speaker: Speaker) -> Speaker:
    return "customer" if speaker == "agent" else "agent"


def _relabel(party: Party, speaker: Speaker) -> Party:
    return Party(speaker, party.channel, party.samples, party.analysis)


def _channel_info(party: Party) -> ChannelInfo:
    a = party.analysis
    return ChannelInfo(
        index=party.channel if party.channel is not None else 0,
        speaker=party.speaker,
        level_dbfs=a.level_dbfs,
        noise_floor_dbfs=a.noise_floor_dbfs,
        snr_db=a.snr_db,
        speech_seconds=a.speech_seconds,
        speech_ratio=a.speech_ratio,
        clipping_ratio=a.clipping_ratio,
        bleed_seconds=a.bleed_seconds,
        speech=[_unpadded(r, party.samples.size / TARGET_RATE) for r in a.regions],
    )


def _unpadded(region: Region, duration: float) -> TimeSpan:
    """The speech itself: decoding wants the padding, turn-taking measures (overtalk) do not."""
    pad = SpeechParams().pad_s
    start = region.start + pad if region.start > 0 else region.start
    end = region.end - pad if region.end < duration else region.end
    return TimeSpan(start=round(start, 3), end=round(max(end, start), 3))


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def _simplified(segment: Segment) -> Segment:
    """Mandarin queues read Simplified characters; Whisper sometimes writes Traditional."""
    convert = _t2s().convert
    return segment.model_copy(
        update={
            "text": convert(segment.text),
            "words": [w.model_copy(update={"text": convert(w.text)}) for w in segment.words],
        }
    )
