"""The queue runtime: the Celery app factory, tasks, schedule, brokers, leases, heartbeats, the
reconciler, the launcher and supervisor of the embedded deployment.

The tasks are thin wrappers over `services`. Importing this package builds nothing: the worker's
app lives in `workers.celery`, which `celery -A workers` finds by itself.
"""
