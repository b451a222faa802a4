"""gunicorn's settings for production (`gunicorn tracker.wsgi`), each overridable by the environment.

Sync workers: every request is short except the CSV export, which streams, so a worker is busy for as
long as the download lasts. Two workers per core serve this app's mixed reads best on the 2-core
machine it is measured on (docs/benchmarks.md); the timeout is long enough for a 100k-row export at
the measured speed on a slow client, and a worker stuck longer than that is better killed.
"""

import multiprocessing
import os


def setting(name: str, default: int) -> int:
    """An integer from the environment; unset or empty gives the default."""
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"
workers = setting("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count())
timeout = setting("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
# Restart workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = setting("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
