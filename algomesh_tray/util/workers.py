"""The pool of worker threads that asyncio's ``to_thread`` runs on, sized for a tray app. No Qt."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

__all__ = ["WORKER_THREADS", "worker_pool"]

#: At most this many threads for ``asyncio.to_thread`` and friends (a keyring waiting for its
#: password prompt holds one); started when first needed, not up front.
WORKER_THREADS = 4


def worker_pool() -> ThreadPoolExecutor:
    """The event loop's default executor: threads started on demand, up to WORKER_THREADS.

    qasync's own default (QThreadExecutor) starts 10 QThreads at the first ``to_thread``; the app
    uses one or two, once at start-up (opening the trade log) and now and then after.
    """
    return ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="algomesh-worker")
