"""gunicorn's settings for the web instances (``make serve-prod``; ``gunicorn -c gunicorn.conf.py wsgi:app``).

Every request is short now (long work is a job), so a request that takes longer than ``timeout`` is a
fault to be killed, not an import to wait for. Each setting can be moved with the environment variable
named beside it.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Processes per instance; each serves ``threads`` requests at once (database waits release the GIL).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a deploy or a scale-down, requests in flight get this long to finish after SIGTERM.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Longer than the idle timeout of the proxy in front (nginx keeps upstream connections 60 s): the proxy,
# not gunicorn, then closes an idle connection, and never races a request it is sending on it (a
# "connection reset"). Idle connections cost gthread a socket in its poller, not a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Recycle a process now and then, so a slow leak never grows for ever; jitter keeps them apart.
max_requests = 5000
max_requests_jitter = 500
# Each process builds its own app and database pool after the fork (no connection crosses a fork).
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Behind the trust's reverse proxy, which terminates TLS and sets X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Warm each process before it takes requests (see passport.app.compile_templates)."""
    from passport.app import compile_templates

    worker.log.info("compiled %s templates", len(compile_templates(worker.wsgi)))
# Share tokens are secrets: the access log writes "/v/[share-token]" instead (passport/log_redaction.py).
logger_class = "passport.gunicorn_logging.RedactingLogger"
