"""gunicorn's settings for the web instances (``make serve-prod``; ``gunicorn -c gunicorn.conf.py wsgi:app``).

Every request is short now (long work is a job), so a request that takes longer than ``timeout`` is a
fault to be killed, not an import to wait for. Each setting can be moved with the environment variable
named beside it.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Processes per instance; each serves ``threads`` requests at once (database waits release the GIL).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a deploy or a scale-down, requests in flight get this long to finish after SIGTERM.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Longer than the idle timeout of the proxy in front (nginx keeps upstream connections 60 s): the proxy,
# not gunicorn, then closes an idle connection, and never races a request it is sending on it (a
# "connection reset"). Idle connections cost gthread a socket in its poller, not a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Recycle a process now and then, so a slow leak never grows for ever; jitter keeps them apart. Not too
# often: a process starting again takes about a second, and the requests queued on it wait for that
# (every 5,000 requests put such waits into the 99th percentile of bench/bench_verify_api.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
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
    # What the process has built so far (modules, the app, compiled templates: most of its heap) lives
    # as long as it does: moved out of the cycle collector's sight, so that a full collection during a
    # request walks only what requests made (without this, such collections put tens of milliseconds
    # on one request in a hundred: bench/bench_verify_api.py).
    gc.collect()
    gc.freeze()


# Share tokens are secrets: the access log writes "/v/[share-token]" instead (passport/log_redaction.py).
logger_class = "passport.gunicorn_logging.RedactingLogger"
