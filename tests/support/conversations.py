"""Text conversations as a recorder or a chat log writes them."""

from __future__ import annotations

VOICE = {
    "external_id": "CC-1001",
    "agent_id": "A7",
    "started_at": "2026-11-26T09:30:00Z",
    "language": "en",
    "channel": "voice",
    "turns": [
        {
            "speaker": "agent",
            "start": 0.0,
            "end": 3.0,
            "text": "Hello, Fabrikam Mobile, this call is recorded.",
        },
        {"speaker": "customer", "start": 3.5, "end": 6.0, "text": "Hi, my bill is wrong again."},
        {"speaker": "agent", "start": 30.0, "end": 33.0, "text": "Sorry about that, I found the error."},
    ],
}

CHAT = {
    "external_id": "CHAT-77",
    "agent_id": "A8",
    "language": "en",
    "channel": "chat",
    "turns": [
        {"speaker": "customer", "text": "is anyone there? this is useless"},
        {"speaker": "agent", "text": "Hello, sorry for the wait, how can I help?"},
    ],
}


LONG_LINE = " ".join(["I have been going back and forth between the branch and the app for three weeks"] * 20)
URL = "https://secure.contoso-bank.example/disputes/" + "a1b2c3d4e5" * 30
CARD_LIKE = "4111111111111111" * 10


def long_chat(external_id: str, timed: bool, turns: int = 200) -> dict[str, object]:
    """A bank chat as the 28 real transcripts that broke the call page were: `turns` turns, the
    agent's greeting and disclosure first and closing last, the customer on every other turn
    with a paragraph of prose every few turns, a long unbroken URL and a card-number-like token
    among them; `timed`: each turn 20 s after the last (a span of 66:38 for 200 turns), else no
    times at all, as many chat logs come."""

    def turn(index: int) -> dict[str, object]:
        agent = index % 2 == 1 or index in (0, turns - 1)
        if index == 0:
            text = "Hello, thank you for contacting Contoso Bank, my name is Sam. How can I help you today?"
        elif index == 1:
            text = "Please be advised that this chat is recorded for training and monitoring."
        elif index == turns - 1:
            text = "Is there anything else I can help you with? Thank you for contacting us, goodbye."
        elif index == 10:
            text = f"The link you sent me is {URL} and it does not open."
        elif index == 12:
            text = f"The number on the letter reads {CARD_LIKE}, is that right?"
        elif agent:
            text = f"Let me check that for you, one moment please ({index})."
        elif index % 6 == 0:
            text = LONG_LINE
        else:
            text = f"This is ridiculous, I want my money back ({index})."
        said: dict[str, object] = {"speaker": "agent" if agent else "customer", "text": text}
        return said | ({"start": 20.0 * index, "end": 20.0 * index + 18.0} if timed else {})

    return {
        "external_id": external_id,
        "agent_id": "A9",
        "language": "en",
        "channel": "chat",
        "turns": [turn(index) for index in range(turns)],
    }
