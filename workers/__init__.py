"""Orchestration: the Celery app and tasks that run asr -> scoring -> routing on stored calls."""

from workers.celery import app

__all__ = ["app"]
