"""Background jobs: Quit waits for them briefly, then cancels what is left."""

from __future__ import annotations

import asyncio

from algomesh_tray.util.tasks import BackgroundTasks


def test_drain_waits_for_a_job_that_finishes_in_time() -> None:
    """A job still running at Quit finishes; drain reports nothing left over."""

    async def scenario() -> tuple[list[str], int, int]:
        tasks, done = BackgroundTasks(), []
        release = asyncio.Event()

        async def job() -> None:
            await release.wait()
            done.append("saved")

        tasks.spawn(job(), name="saving")
        asyncio.get_running_loop().call_soon(release.set)
        left = await tasks.drain(timeout=5)
        return done, left, len(tasks)

    assert asyncio.run(scenario()) == (["saved"], 0, 0)


def test_drain_cancels_a_job_that_would_hold_quit_up() -> None:
    """A hung job is cancelled at the deadline, not waited for."""

    async def scenario() -> tuple[int, bool]:
        tasks = BackgroundTasks()
        hung = tasks.spawn(asyncio.Event().wait(), name="hung keyring")
        left = await tasks.drain(timeout=0.05)
        return left, hung.cancelled()

    assert asyncio.run(scenario()) == (1, True)


def test_finished_jobs_are_forgotten() -> None:
    """The set holds only running jobs (asyncio keeps only weak references to tasks)."""

    async def scenario() -> int:
        tasks = BackgroundTasks()
        await tasks.spawn(asyncio.sleep(0))
        return len(tasks)

    assert asyncio.run(scenario()) == 0
