"""Alerts delivered beyond the web page: a signed webhook and e-mail.

The webhook body is JSON (`AlertNotice`); its HMAC-SHA256 under CALLQA_ALERT_WEBHOOK_SECRET is
sent as `X-Callqa-Signature: sha256=<hex>`, so the receiver can check that callqa sent it and
that nothing changed on the way. A channel that fails is retried at the next evaluation, up to
`MAX_DELIVERY_ATTEMPTS`; the error is kept on the alert (the page shows it), never the content.
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from pydantic import BaseModel, Field

from runtime.settings import Settings
from store.alerts import AlertRepository
from store.tables import AlertRow

log = structlog.get_logger("callqa.alerts")

SIGNATURE_HEADER = "X-Callqa-Signature"
TIMEOUT_S = 10.0


class AlertNotice(BaseModel):
    """What a webhook receives about one alert."""

    id: int
    kind: str
    queue: str | None
    title: str
    detail: str
    raised_at: datetime
    call_ids: list[str]
    call_links: list[str] = Field(description="each call's page in the web workspace")
    page: str = Field(description="the alerts page")

    @classmethod
    def of(cls, row: AlertRow, public_url: str) -> AlertNotice:
        base = public_url.rstrip("/")
        return cls(
            id=row.id,
            kind=row.kind,
            queue=row.queue,
            title=row.title,
            detail=row.detail,
            raised_at=row.raised_at,
            call_ids=row.call_ids,
            call_links=[f"{base}/ui/calls/{call_id}" for call_id in row.call_ids],
            page=f"{base}/ui/alerts#alert-{row.id}",
        )


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_pending(settings: Settings, alerts: AlertRepository) -> None:
    webhook, email = (
        settings.alert_webhook_url is not None,
        bool(settings.smtp_host and settings.alert_email_to),
    )
    for row in alerts.undelivered(webhook, email):
        notice = AlertNotice.of(row, settings.public_url)
        problems: list[str] = []
        webhook_sent = email_sent = None
        if webhook and row.webhook_sent_at is None:
            try:
                post_webhook(settings, notice)
                webhook_sent = datetime.now(UTC)
            except OSError as error:  # urllib's errors are OSErrors
                problems.append(f"webhook: {_reason(error)}")
        if email and row.email_sent_at is None:
            try:
                send_email(settings, notice)
                email_sent = datetime.now(UTC)
            except (smtplib.SMTPException, OSError) as error:
                problems.append(f"e-mail: {_reason(error)}")
        alerts.record_delivery(row.id, webhook_sent, email_sent, "; ".join(problems) or None)
        if problems:
            log.warning("alert delivery failed", alert=row.id, problems=problems)


def post_webhook(settings: Settings, notice: AlertNotice) -> None:
    assert settings.alert_webhook_url is not None
    body = notice.model_dump_json().encode()
    headers = {"Content-Type": "application/json"}
    if settings.alert_webhook_secret is not None:
        headers[SIGNATURE_HEADER] = signature(settings.alert_webhook_secret.get_secret_value(), body)
    request = urllib.request.Request(settings.alert_webhook_url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_S):  # a status >= 400 raises HTTPError
        pass


def send_email(settings: Settings, notice: AlertNotice) -> None:
    assert settings.smtp_host is not None
    message = EmailMessage()
    message["Subject"] = f"[callqa] {notice.title}"
    message["From"] = settings.alert_email_from
    message["To"] = ", ".join(settings.alert_email_to)
    calls = "\n".join(f"  {link}" for link in notice.call_links)
    message.set_content(
        f"{notice.title}\n\n{notice.detail}\n\nThe calls behind it ({len(notice.call_ids)}):\n{calls}\n\n"
        f"All alerts: {notice.page}\n"
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password is not None:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    return f"{type(error).__name__}: {error}"[:300]
