"""PostgreSQL, Redis and RabbitMQ on 127.0.0.1: where they are, and skipping (or failing, under
CALLQA_REQUIRE_SERVICES=1) when one is not reachable."""

from __future__ import annotations

import os
import socket

import pytest

PG_ADMIN_URL = os.environ.get("CALLQA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

REDIS_URL = os.environ.get("CALLQA_TEST_REDIS", "redis://127.0.0.1:6379/15")

AMQP_URL = os.environ.get("CALLQA_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CALLQA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} and CALLQA_REQUIRE_SERVICES=1")
    pytest.skip(f"{message} (start it, or run .ci/run, to include this test)")
