"""The periodic jobs as Celery tasks, for beat to send when scaled out (workers/schedule.py)."""

from __future__ import annotations

from celery import Task

from workers.celery import app
from workers.schedule import JOBS, Job, run_job
from workers.tasks import services


def _task(job: Job) -> Task:
    def run() -> None:
        run_job(job, services())

    run.__doc__ = f"The scheduled job {job.name}."
    return app.task(name=job.name, ignore_result=True)(run)


TASKS = {job.name: _task(job) for job in JOBS}
