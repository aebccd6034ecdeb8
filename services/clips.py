"""A library clip: one moment of a call, packed to leave the system (a training deck, an LMS).

The ZIP holds `clip.wav` (the recording cut to the moment with a margin, every channel as
stored, at its own rate), `transcript.txt` and `transcript.json` (the turns said in it, with
the call's external id, agent and time range). Because a clip leaves the system, its text is
redacted for every role, as trainers read it, and in its audio every stretch where the
redaction masked words is replaced by a beep (scoring/pii_audio.py). The audio is included only
for roles that may listen to recordings (CALLQA_AUDIO_ROLES); for the others, for text
conversations and for recordings the retention policy deleted, the clip is the transcript alone
and says why.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf
from pydantic import BaseModel, Field

from asr.decode import TARGET_RATE, decode
from asr.errors import AudioError
from asr.transcript import TimeSpan, Transcript
from runtime.services import Services
from scoring.pii import Redaction, mask_text, phone_region, redact_transcript, redacted_view
from scoring.pii_audio import spoken_pii
from services.library import call_length, check_moment
from store.library import Bookmark
from store.metadata import CallSource
from store.tables import Call
from store.tokens import Role


@dataclass(frozen=True)
class ClipLimits:
    """`margin_s` before and after the moment: a moment cut at its first word sounds clipped.
    `max_s`: the longest clip, margin included; a whole hour-long call is not a training clip,
    and the ZIP is built in memory."""

    margin_s: float = 1.0
    max_s: float = 600.0
    beep_hz: float = 1000.0
    beep_level: float = 0.2


class ClipTurn(BaseModel):
    speaker: str
    start: float = Field(description="seconds from the call's start")
    end: float
    text: str = Field(description="redacted")


class ClipManifest(BaseModel):
    """`transcript.json` of a clip."""

    call_id: str
    external_id: str | None
    agent_id: str | None
    call_started_at: datetime | None
    start: float = Field(description="where the clip starts, seconds from the call's start")
    end: float
    audio: bool = Field(description="whether clip.wav is in the ZIP")
    audio_note: str | None = Field(description="why there is no audio, when there is none")
    beeped: list[TimeSpan] = Field(description="stretches of clip.wav beeped over personal data (call times)")
    bookmark_id: int | None = None
    tags: list[str] = []
    note: str = Field(default="", description="the bookmark's note, redacted")
    turns: list[ClipTurn]


@dataclass(frozen=True)
class Clip:
    filename: str
    data: bytes
    manifest: ClipManifest


class ClipRefused(ValueError):
    """The clip asked for cannot be made (too long, ends before it starts); one outside the call
    is refused as a bookmark's moment is (`MomentRefused`)."""


class NothingToExport(LookupError):
    """Neither the recording nor the transcript is kept any more."""


def clip_of(
    services: Services,
    call: Call,
    start: float | None,
    end: float | None,
    may_listen: bool,
    saved: Bookmark | None = None,
    limits: ClipLimits = ClipLimits(),
) -> Clip:
    """The clip of `start`-`end` (None: the whole call), widened by the margin within the call."""
    transcript = services.results.transcript(call.id)
    length = call_length(services, call)
    if start is None or end is None:
        if length is None:
            raise ClipRefused(
                "the call's length is not known yet (not probed or transcribed): give start and end"
            )
        start, end = 0.0, length
    if end <= start:
        raise ClipRefused(f"the clip ends ({end:g} s) before it starts ({start:g} s)")
    check_moment(length, start, end)
    first = max(0.0, start - limits.margin_s)
    last = end + limits.margin_s if length is None else min(length, end + limits.margin_s)
    if last - first > limits.max_s:
        raise ClipRefused(
            f"a clip may last {limits.max_s / 60:g} min at most and this one would last "
            f"{(last - first) / 60:.1f} min: choose a shorter moment"
        )
    audio_note = _no_audio(call, may_listen, transcript is not None)
    if transcript is None and (call.source == CallSource.TEXT or call.audio_deleted_at is not None):
        raise NothingToExport(
            f"nothing to export: {audio_note}, and the call has no transcript"
            + (" (deleted by the retention policy)" if call.transcript_deleted_at else "")
        )
    redaction = _redaction(services, call, transcript)
    beeped = [
        TimeSpan(start=max(s.start, first), end=min(s.end, last))
        for s in (spoken_pii(transcript, redaction) if transcript is not None and audio_note is None else [])
        if s.end > first and s.start < last
    ]
    wav = None
    if audio_note is None:
        try:
            wav = _wav(services.calls.audio_path(call), first, last, beeped, limits)
        except (AudioError, OSError) as error:  # damaged or gone: the words still make a clip
            audio_note, beeped = f"the recording cannot be read ({error}): the clip is its transcript", []
    region = phone_region(transcript.language if transcript is not None else call.language)
    manifest = ClipManifest(
        call_id=call.id,
        external_id=call.external_id,
        agent_id=call.agent_id,
        call_started_at=call.started_at,
        start=round(first, 3),
        end=round(last, 3),
        audio=audio_note is None,
        audio_note=audio_note,
        beeped=beeped,
        bookmark_id=saved.id if saved else None,
        tags=saved.tags if saved else [],
        note=mask_text(saved.note, region) if saved else "",
        turns=_turns(transcript, redaction, first, last) if transcript is not None else [],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if wav is not None:
            archive.writestr("clip.wav", wav)
        archive.writestr("transcript.txt", clip_text(manifest))
        archive.writestr("transcript.json", manifest.model_dump_json(indent=2))
    name = f"callqa-clip-{call.id[:8]}-{first:.0f}-{last:.0f}.zip"
    return Clip(filename=name, data=buffer.getvalue(), manifest=manifest)


def may_hear(services: Services, role: Role) -> bool:
    """Whether `role`'s clips carry audio: a clip's audio is beeped where the words held personal
    data, unlike the recording the call page plays, so it has its own list of roles."""
    return role in services.settings.clip_audio_roles


def _no_audio(call: Call, may_listen: bool, transcribed: bool) -> str | None:
    if call.source == CallSource.TEXT:
        return "the conversation was imported as text: there is no recording"
    if call.audio_deleted_at is not None:
        return f"the recording was deleted by the retention policy on {call.audio_deleted_at:%Y-%m-%d}"
    if not may_listen:
        return "your role may not hear clips (CALLQA_CLIP_AUDIO_ROLES): the clip is its transcript"
    if not transcribed:
        return "the call has no transcript, so the personal data said in it cannot be found and beeped"
    return None


def _redaction(services: Services, call: Call, transcript: Transcript | None) -> Redaction:
    """The one made when the call was scored (what every reader sees), else found now."""
    stored = services.results.analysis(call.id)
    if stored is not None and stored.analysis.redaction is not None:
        return stored.analysis.redaction
    return redact_transcript(transcript) if transcript is not None else Redaction(segments=[])


def _turns(transcript: Transcript, redaction: Redaction, first: float, last: float) -> list[ClipTurn]:
    masked = redacted_view(transcript, redaction)
    return [
        ClipTurn(speaker=s.speaker, start=s.start, end=s.end, text=s.text)
        for s in masked.segments
        if (s.end > first and s.start < last) or (s.start == s.end and first <= s.start <= last)
    ]


def _wav(path: Path, first: float, last: float, beeped: list[TimeSpan], limits: ClipLimits) -> bytes:
    samples, rate = _cut(path, first, last)
    for span in beeped:
        a, b = int((span.start - first) * rate), int((span.end - first) * rate)
        t = np.arange(b - a) / rate
        samples[a:b, :] = (limits.beep_level * np.sin(2 * np.pi * limits.beep_hz * t))[:, None]
    out = io.BytesIO()
    sf.write(out, samples, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def _cut(path: Path, first: float, last: float) -> tuple[np.ndarray, int]:
    """(frames, channels) of `first`-`last`, reading only those frames where libsndfile reads
    the format; other formats (M4A, WebM) are decoded whole, at 16 kHz, as the pipeline does."""
    try:
        with sf.SoundFile(str(path)) as audio:
            rate = int(audio.samplerate)
            audio.seek(min(int(first * rate), audio.frames))
            return audio.read(int((last - first) * rate), dtype="float32", always_2d=True), rate
    except sf.LibsndfileError:
        samples = decode(path).samples
        return np.ascontiguousarray(
            samples[:, int(first * TARGET_RATE) : int(last * TARGET_RATE)].T
        ), TARGET_RATE


def clip_text(manifest: ClipManifest) -> str:
    """`transcript.txt`: a header a trainer can read, then one line per turn."""

    def clock(seconds: float) -> str:
        return f"{int(seconds // 60)}:{seconds % 60:04.1f}"

    started = f"{manifest.call_started_at:%Y-%m-%d %H:%M} UTC" if manifest.call_started_at else "-"
    lines = [
        f"Call {manifest.call_id}",
        f"External id: {manifest.external_id or '-'}   Agent: {manifest.agent_id or '-'}",
        f"Started: {started}",
        f"Clip: {clock(manifest.start)} to {clock(manifest.end)} of the call",
        "Personal data is masked in the text"
        + (" and beeped in the audio." if manifest.audio else f"; no audio: {manifest.audio_note}."),
    ]
    if manifest.tags:
        lines.append(f"Tags: {', '.join(manifest.tags)}")
    if manifest.note:
        lines.append(f"Note: {manifest.note}")
    lines.append("")
    lines += [f"[{clock(t.start)}-{clock(t.end)}] {t.speaker}: {t.text}" for t in manifest.turns]
    return "\n".join(lines) + "\n"
