"""Distributed mode: site sensors on a queue engine (dramatiq on Redis) reporting to one
central store. Library first: the CLI (``camaudit sensor``, ``centre``, ``jobs``) and the web
call :mod:`camaudit.sensors.registry` (jobs, sensors, ingest) and the two runners."""

from camaudit.sensors.registry import (
    JobInfo,
    SensorInfo,
    add_sensor,
    cancel_job,
    get_job,
    list_jobs,
    submit_job,
)

__all__ = [
    "JobInfo",
    "SensorInfo",
    "add_sensor",
    "cancel_job",
    "get_job",
    "list_jobs",
    "submit_job",
]
