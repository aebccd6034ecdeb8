"""A call of the eval corpus's SCHEMA format."""

from __future__ import annotations

from typing import Any


def call(call_id: str, language: str = "en") -> dict[str, Any]:
    agent, customer = ("Hello, you're through to Contoso.", "Hi, I'm calling about my bill.")
    if language == "zh":
        agent, customer = ("您好，华信银行。", "我的卡丢了，卡号一三八二。")
    return {
        "id": call_id,
        "language": language,
        "layout": "agent_left",
        "utterances": [
            {"speaker": "agent", "start": 0.5, "end": 2.0, "text": agent},
            {"speaker": "customer", "start": 2.5, "end": 4.0, "text": customer},
        ],
        "reference_text": {"agent": agent, "customer": customer},
        "labels": {
            "greeting": True,
            "disclosure": False,
            "verification": True,
            "closing": True,
            "forbidden_phrases": ["whatever"],
            "customer_sentiment_overall": "neutral",
            "customer_sentiment_end": "positive",
            "escalation_risk": False,
        },
        "silences": [{"start": 4.0, "end": 10.0}],
        "overtalk": [],
        "hold": [],
        "qa_verdict": "fail",
        "fail_reasons": ["disclosure_missing", "forbidden_phrase"],
    }
