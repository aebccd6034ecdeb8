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
