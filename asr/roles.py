"""Which channel is the agent: the queue's wiring, checked against what each side says.

Recorders get wired backwards. The agent is the side that greets, names the company, asks
for verification and offers more help; the customer is the side that explains a problem.
When the configured agent channel sounds like a customer and the other like an agent, the
roles are swapped and the transcript says why. A near-silent channel is one-way audio.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from asr.transcript import Segment

AGENT_CUES = {
    "en": (
        "thank you for calling",
        "thanks for calling",
        "you're through to",
        "my name is",
        "how can I help",
        "how may I help",
        "what can I do for you",
        "can I take your",
        "can I have your",
        "account number",
        "date of birth",
        "is there anything else",
        "anything more I can do",
        "let me check",
        "bear with me",
        "this call is recorded",
        "calls are recorded",
        "have a great day",
        "I can see on your account",
    ),
    "zh": (
        "您好",
        "为您服务",
        "有什么可以帮您",
        "工号",
        "请稍等",
        "还有什么需要",
        "感谢您致电",
        "请提供",
        "身份证",
        "本次通话",
        "录音",
        "帮您查询",
    ),
}
CUSTOMER_CUES = {
    "en": (
        "I'd like to",
        "I want to",
        "I'm calling about",
        "my bill",
        "I got a letter",
        "I need to",
        "can you help me",
    ),
    "zh": ("我想", "我要", "我的卡", "我的账单", "帮我", "怎么办"),
}
MIN_SIMILARITY = 85
SWAP_MARGIN = 2.0
SILENT_RATIO = 0.01


@dataclass(frozen=True)
class RoleDecision:
    swapped: bool
    reason: str


def agent_score(segments: Sequence[Segment], language: str, vocabulary: Iterable[str] = ()) -> float:
    """Agent cues heard minus customer cues heard (each cue counted once), +1 for opening the call."""
    text = " ".join(s.text.lower() for s in segments)
    agent_cues = (*AGENT_CUES.get(language, AGENT_CUES["en"]), *vocabulary)
    customer_cues = CUSTOMER_CUES.get(language, CUSTOMER_CUES["en"])
    return float(
        sum(fuzz.partial_ratio(cue.lower(), text) >= MIN_SIMILARITY for cue in agent_cues if cue)
        - sum(fuzz.partial_ratio(cue.lower(), text) >= MIN_SIMILARITY for cue in customer_cues)
    )


def scores(sides: Sequence[Sequence[Segment]], language: str, vocabulary: Iterable[str] = ()) -> list[float]:
    """Each side's agent score, +1 for the side that opens the call (agents answer inbound calls)."""
    vocabulary = tuple(vocabulary)
    out = [agent_score(side, language, vocabulary) for side in sides]
    starts = [min((s.start for s in side), default=float("inf")) for side in sides]
    if min(starts) < float("inf"):
        out[starts.index(min(starts))] += 1
    return out


def pick_agent(
    sides: Sequence[Sequence[Segment]], language: str, vocabulary: Iterable[str] = ()
) -> tuple[int, str]:
    """For voices with no wiring to trust (diarized mono): the side with the higher agent score."""
    found = scores(sides, language, vocabulary)
    index = int(max(range(len(found)), key=lambda i: found[i]))
    shown = " vs ".join(f"{v:g}" for v in found)
    return index, f"mono: two voices; voice {index + 1} is the agent (agent cues {shown})"


def decide_roles(
    agent_side: Sequence[Segment],
    customer_side: Sequence[Segment],
    language: str,
    vocabulary: Iterable[str] = (),
) -> RoleDecision:
    """Segments as wired (agent channel first); swapped=True when the other channel is the agent."""
    wired, other = scores([agent_side, customer_side], language, vocabulary)
    if other >= wired + SWAP_MARGIN:
        return RoleDecision(
            True,
            f"channels swapped: the configured customer channel sounds like the agent "
            f"(agent cues {other:g} vs {wired:g})",
        )
    return RoleDecision(False, f"as wired (agent cues {wired:g} vs {other:g})")
