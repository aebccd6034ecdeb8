"""The worker's Celery app: `celery -A workers worker -Q asr` (GPU hosts), `-Q analysis` (CPU hosts).

Importing this module builds the app from the environment's settings, so only the processes that
name it (`celery -A workers` finds `workers.celery.app`) and the task modules, which register on
it, pay for Celery; importing `workers` or any other module of it builds nothing.
"""

from __future__ import annotations

from runtime.settings import get_settings
from workers.celery_app import create_celery

app = create_celery(get_settings())
