"""Settings and the service container: what every layer above the engines needs to run.

Kept out of `workers/` so that reading the settings (the CLI, the API, evaluation) never creates
the Celery app or its data folder as a side effect of an import.
"""
