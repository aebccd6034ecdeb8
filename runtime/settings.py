"""All configuration, from `CALLQA_*` environment variables (or a `.env` / YAML file).

The embedded default needs nothing set: SQLite files and a serverless broker under
`CALLQA_DATA_DIR`. Scale-out changes only URLs.
"""

from __future__ import annotations

import json
import os
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from asr.transcriber import AsrOptions
from insights.alerts import AlertThresholds
from review.sampling import SamplingRules
from store.sign_in_failures import SignInLimits
from store.tokens import Role


class RetentionPolicy(BaseModel):
    """How long a call's personal content is kept, counted from when the call took place (else from
    its upload). Scores, reviews and the audit log are kept: they are the QA record."""

    audio_days: int | None = Field(default=None, ge=1, description="recordings deleted after; null: kept")
    transcript_days: int | None = Field(
        default=None, ge=1, description="transcripts and their search index deleted after; null: kept"
    )


class QueueSettings(BaseModel):
    """Per call-centre queue: what is spoken there, how the recorder wires channels, which card."""

    language: Literal["en", "zh"] | None = None
    agent_channel: Literal["left", "right"] = "left"
    scorecard: str | None = None
    vocabulary: list[str] = Field(default_factory=list, description="company and product names: ASR hints")
    alerts: AlertThresholds | None = Field(default=None, description="alert thresholds; default: `alerts`")
    retention: RetentionPolicy | None = Field(default=None, description="this queue's; default: `retention`")
    sampling: SamplingRules | None = Field(
        default=None, description="this queue's sampling rules; default: `sampling`"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CALLQA_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    data_dir: Path = Field(default=Path("callqa-data"), description="SQLite files, audio and model cache")
    database_url: str | None = Field(default=None, description="default: SQLite in data_dir")
    broker_url: str | None = Field(default=None, description="default: serverless SQLite broker in data_dir")
    audio_dir: Path | None = Field(default=None, description="default: data_dir/audio")

    asr_model_en: str = "tiny.en"
    asr_model_multilingual: str = "base"
    asr_device: Literal["cpu", "cuda", "auto"] = "cpu"
    asr_compute_type: str = "int8"
    asr_cpu_threads: int = Field(default=2, ge=1, description="threads per decode")
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="CPU niceness of worker processes: on a host shared with the API, uploads and "
        "pages are answered first and the workers take every cycle left (no effect on a host of their own)",
    )
    worker_idle_class: bool = Field(
        default=True,
        description="Linux: worker processes run in the idle scheduling class (SCHED_IDLE), so a "
        "request the API wakes up for takes a core from them at once; they still get every core "
        "nothing else wants (off: worker_nice alone)",
    )
    asr_decode_workers: int = Field(default=2, ge=1, description="decodes run side by side")
    asr_beam_size: int = Field(default=1, ge=1, le=10)
    asr_agent_beam_size: int | None = Field(
        default=None, ge=1, le=10, description="beam for the agent's channel (stereo); default: asr_beam_size"
    )
    asr_batch_size: int = Field(default=0, ge=0, description="> 0: batched decoding (GPU workers)")
    asr_diarize: bool = True
    asr_prompt_vocabulary: bool = False

    default_language: Literal["en", "zh"] | None = None
    default_agent_channel: Literal["left", "right"] = "left"
    vocabulary: list[str] = Field(default_factory=list, description="company and product names: ASR hints")
    queues: dict[str, QueueSettings] = Field(default_factory=dict)
    scorecard_dir: Path | None = None
    scorecard_en: str = "generic-en"
    scorecard_zh: str = "generic-zh"
    sentiment_model_dir: Path | None = Field(
        default=None, description="a Hugging Face sentiment model folder; default: the shipped embedding head"
    )

    audit_rate: float = Field(default=0.05, ge=0, le=1)
    sampling: SamplingRules = Field(
        default_factory=SamplingRules, description="every queue's sampling rules unless the queue has its own"
    )
    dispute_window_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="days an agent may dispute an item after the call's result last changed",
    )
    search_similarity_floor: float = Field(
        default=0.30,
        ge=-1,
        le=1,
        description="search by meaning returns only turns at least this similar to the query (cosine; "
        "docs/search.md says how it was chosen); -1: every turn with a vector, ranked",
    )
    search_warm_encoders: bool = Field(
        default=True,
        description="the API loads the sentence encoders that search by meaning needs for the "
        "deployment's languages when it starts, in a background thread (off: at the first search "
        "by meaning, which then takes seconds)",
    )
    max_upload_mb: float = Field(default=500, gt=0)
    max_audio_minutes: float = Field(default=240, gt=0)
    worker_concurrency: int = Field(default=1, ge=1)
    lease_ttl_s: float = Field(
        default=60,
        ge=15,
        le=3600,
        description="a stage's lease runs out this long after its worker's last heartbeat; also the "
        "longest database outage a working worker rides out without its call being handed to another",
    )
    reconcile_interval_s: float = Field(
        default=30, gt=0, le=3600, description="how often a worker looks for calls nobody works on"
    )
    reconcile_grace_s: float = Field(
        default=120,
        gt=0,
        description="a call without a lease is sent again only after waiting this long unchanged",
    )
    token_cache_s: float = Field(
        default=5,
        ge=0,
        le=300,
        description="an API token found valid is trusted this long without a database lookup, so a "
        "revoked token is refused within it (0: look every token up on every request)",
    )
    audio_reserve_mb: float = Field(
        default=200, ge=0, description="uploads are refused (507) while the audio volume has less free"
    )
    retention: RetentionPolicy = Field(
        default_factory=RetentionPolicy, description="default for queues without their own (keep all)"
    )
    audio_roles: list[Role] = Field(
        default=[Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR],
        description="roles that may listen to recordings (a recording cannot be redacted: trainers "
        "and agents read the redacted transcript)",
    )
    clip_audio_roles: list[Role] = Field(
        default=[Role.ADMIN, Role.SUPERVISOR, Role.TRAINER],
        description="roles whose library clips carry the audio, beeped over the personal data the "
        "redaction found in the words (a number the ASR misheard is not found, so a site may narrow this)",
    )
    web_https: bool = Field(
        default=False, description="the web workspace is served over HTTPS: its cookies are sent only there"
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="reverse proxies (addresses or networks) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; none: the client is the socket's peer, even on loopback",
    )
    sign_in_limits: SignInLimits = Field(
        default_factory=SignInLimits, description="failed sign-ins that lock, per rule (429)"
    )
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    report_time: time = Field(default=time(9, 0), description="when the previous day's report is generated")
    report_timezone: str = Field(default="UTC", description="IANA zone that days and report_time are in")
    calibration_time: time = Field(
        default=time(2, 0),
        description="when the nightly calibration from inspectors' corrections runs, in report_timezone",
    )
    alerts: AlertThresholds = Field(default_factory=AlertThresholds, description="a queue's own `alerts` win")
    alert_interval_minutes: float = Field(default=15, gt=0, le=1440, description="how often rules run")
    alert_webhook_url: str | None = Field(default=None, description="POSTed each alert as JSON")
    alert_webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key: the body's signature goes in X-Callqa-Signature"
    )
    smtp_host: str | None = Field(default=None, description="alerts by e-mail when set")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    alert_email_from: str = "callqa@localhost"
    alert_email_to: list[str] = Field(default_factory=list)
    public_url: str = Field(default="http://localhost:8000", description="where alerts link calls to")

    @field_validator("report_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from error
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """`CALLQA_CONFIG_FILE=callqa.yaml` adds a YAML file below the environment in priority."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        config_file = os.environ.get("CALLQA_CONFIG_FILE")
        if config_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'callqa.db').resolve()}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or f"callqa-sqlite+sqlite:///{(self.data_dir / 'broker.db').resolve()}"

    @property
    def resolved_audio_dir(self) -> Path:
        return (self.audio_dir or self.data_dir / "audio").resolve()

    @property
    def added_scorecards_dir(self) -> Path:
        """Where `callqa scorecard add` puts cards; loaded after the built-in ones and scorecard_dir."""
        return (self.data_dir / "scorecards").resolve()

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    def as_env(self) -> dict[str, str]:
        """These settings as `CALLQA_*` variables, for worker processes started from this one."""
        values = self.model_dump(mode="json")
        secrets = {name: value.get_secret_value() for name, value in self if isinstance(value, SecretStr)}
        values.update(secrets)
        values.update(
            data_dir=str(self.data_dir.resolve()),
            database_url=self.resolved_database_url,
            broker_url=self.resolved_broker_url,
            audio_dir=str(self.resolved_audio_dir),
        )
        return {
            f"CALLQA_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in values.items()
            if value is not None
        }

    @property
    def report_zone(self) -> ZoneInfo:
        return ZoneInfo(self.report_timezone)

    def alert_thresholds(self, queue: str | None) -> AlertThresholds:
        """The queue's own thresholds, else the defaults."""
        configured = self.queues.get(queue or "")
        return configured.alerts if configured is not None and configured.alerts is not None else self.alerts

    def retention_for(self, queue: str | None) -> RetentionPolicy:
        """The queue's own retention, else the default."""
        configured = self.queues.get(queue or "")
        return configured.retention if configured is not None and configured.retention else self.retention

    def queue(self, name: str | None) -> QueueSettings:
        configured = self.queues.get(name or "")
        if configured is not None:
            return configured
        return QueueSettings(
            language=self.default_language,
            agent_channel=self.default_agent_channel,
            vocabulary=self.vocabulary,
        )

    def sampling_rules(self, queue: str | None) -> SamplingRules:
        configured = self.queues.get(queue or "")
        return (
            configured.sampling
            if configured is not None and configured.sampling is not None
            else self.sampling
        )

    def asr_options(self) -> AsrOptions:
        return AsrOptions(
            model_english=self.asr_model_en,
            model_multilingual=self.asr_model_multilingual,
            device=self.asr_device,
            compute_type=self.asr_compute_type,
            cpu_threads=self.asr_cpu_threads,
            decode_workers=self.asr_decode_workers,
            beam_size=self.asr_beam_size,
            agent_beam_size=self.asr_agent_beam_size,
            batch_size=self.asr_batch_size,
            diarize=self.asr_diarize,
            prompt_vocabulary=self.asr_prompt_vocabulary,
            cache_dir=(self.data_dir / "models").resolve(),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
