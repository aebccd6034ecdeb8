"""Complaint calls for topic discovery: delivery, price and Chinese delivery complaints, calm
calls, over four days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asr.transcript import Segment
from runtime.services import Services
from services.pipeline import analyse_stage
from store.metadata import CallMetadata
from tests.support.audio import wav_bytes
from tests.support.transcripts import segment, transcript

PRICE = [
    "Your prices are far too expensive, I pay more than my neighbours.",
    "Why did my bill go up again, this price increase is outrageous.",
    "The monthly fee is ridiculous, I am paying way too much.",
    "You raised the price without telling me, it is too expensive now.",
    "I was overcharged on my bill and the price is just too high.",
]

DELIVERY = [
    "My parcel still has not arrived, the delivery is two weeks late.",
    "The courier never delivered my package and nobody called me.",
    "Delivery was promised on Monday and the parcel is still missing.",
    "Where is my order? The delivery keeps getting postponed.",
    "The package arrived late and the delivery driver left it in the rain.",
]

CHINESE = [
    "你们的快递太慢了，我的包裹到现在还没到。",
    "快递一直没有送到，包裹是不是丢了？",
    "我的包裹已经晚了一个星期了，快递员也不打电话。",
    "送货太慢了，包裹还在路上，我很生气。",
]

NOW = datetime(2026, 11, 14, 12, 0, tzinfo=UTC)

CARD = "4111 1111 1111 1111"


def complaint_call(
    services: Services, said: str, started: datetime, queue: str, language: str = "en", agent: str = "A1"
) -> str:
    """A call whose customer complains (then asks for a manager), scored and indexed for real."""
    greeting = "您好，这里是客服中心。" if language == "zh" else "Hello, Fabrikam, this call is recorded."
    manager = "叫你们领导来。" if language == "zh" else "This is unacceptable, get me your manager."
    segments = [
        segment("agent", 0.5, 3.0, greeting),
        segment("customer", 4.0, 9.0, said),
        segment("agent", 10.0, 12.0, "对不起。" if language == "zh" else "I am sorry to hear that."),
        segment("customer", 13.0, 16.0, manager),
    ]
    return _scored(services, segments, started, queue, language, agent)


def calm_call(services: Services, started: datetime, queue: str) -> str:
    segments = [
        segment("agent", 0.5, 3.0, "Hello, Fabrikam, this call is recorded."),
        segment("customer", 4.0, 8.0, "Hi, I would like to check my balance please."),
        segment("agent", 9.0, 12.0, "Of course, your balance is twenty pounds."),
        segment("customer", 13.0, 16.0, "Great, thank you so much, that is perfect."),
    ]
    return _scored(services, segments, started, queue, "en", "A2")


def seed(services: Services) -> dict[str, list[str]]:
    """Delivery complaints over four days (queue shop), calm billing calls, Chinese delivery
    complaints (queue shop-zh), and price complaints on the last morning only (queue billing),
    one of them reading a card number out."""
    ids: dict[str, list[str]] = {"price": [], "delivery": [], "chinese": [], "calm": []}
    for n, said in enumerate(DELIVERY):
        started = NOW - timedelta(days=4 - n % 4, hours=2)
        ids["delivery"].append(complaint_call(services, said, started, "shop"))
    for n in range(4):
        ids["calm"].append(calm_call(services, NOW - timedelta(days=4 - n, hours=3), "billing"))
    for n, said in enumerate(CHINESE):
        ids["chinese"].append(
            complaint_call(services, said, NOW - timedelta(days=3, hours=n), "shop-zh", language="zh")
        )
    for n, said in enumerate(PRICE[:4]):
        text = said if n else f"You charged my card {CARD} twice and the price is far too expensive."
        ids["price"].append(complaint_call(services, text, NOW - timedelta(hours=n + 1), "billing"))
    return ids


def _scored(
    services: Services, segments: list[Segment], started: datetime, queue: str, language: str, agent: str
) -> str:
    metadata = CallMetadata(agent_id=agent, team="north", queue=queue, started_at=started)
    content = wav_bytes(200.0 + started.timestamp() % 997 + len(segments[1].text))
    call = services.calls.ingest_chunks([content], "call.wav", metadata).call
    services.results.save_transcript(call.id, "test", transcript(segments, language=language))
    assert analyse_stage(services, call.id)
    return call.id
