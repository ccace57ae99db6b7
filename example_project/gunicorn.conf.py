"""gunicorn settings for the example in production: ``gunicorn -c gunicorn.conf.py``.

Several worker processes (``WEB_CONCURRENCY``, default 2 * cores + 1) share PostgreSQL
and Redis, so everything that must hold across workers (rate limits, idempotency keys,
cached API keys) lives there. Access logs are JSON lines with the request id, like the
application's own logs (``LOG_FORMAT=json``).
"""

import json
import multiprocessing
import os
from datetime import datetime, timezone

from gunicorn.glogging import Logger

# --8<-- [start:workers]
wsgi_app = "config.wsgi:application"
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: a slow leak never takes a worker down at peak.
max_requests = 2000
max_requests_jitter = 200
# --8<-- [end:workers]
# Behind a proxy that sets X-Forwarded-For / -Proto (settings trust X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG= (empty): none
errorlog = "-"


class JsonAccessLogger(Logger):
    """One JSON object per request: what a log collector indexes without parsing."""

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        headers = {name.lower(): value for name, value in resp.headers}
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(str(resp.status).split()[0]),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "request_id": headers.get("x-request-id"),
        }
        self.access_log.info(json.dumps(entry))


logger_class = JsonAccessLogger
