"""The worker pool: threads start when needed, and no more than a tray app needs."""

from __future__ import annotations

import threading

from algomesh_tray.util.workers import WORKER_THREADS, worker_pool


def test_worker_threads_start_when_needed_and_are_reused() -> None:
    """No thread before the first job; sequential jobs share one; never more than WORKER_THREADS."""

    def workers() -> list[threading.Thread]:
        return [thread for thread in threading.enumerate() if thread.name.startswith("algomesh-worker")]

    pool = worker_pool()
    try:
        assert workers() == []
        for number in range(5):
            assert pool.submit(pow, number, 2).result(timeout=10) == number**2
        assert len(workers()) == 1
        release = threading.Event()
        blocked = [pool.submit(release.wait, 10) for _ in range(WORKER_THREADS + 2)]
        assert len(workers()) == WORKER_THREADS
        release.set()
        assert all(future.result(timeout=10) for future in blocked)
    finally:
        pool.shutdown(wait=True)
