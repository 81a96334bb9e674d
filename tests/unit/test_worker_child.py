"""The child's job loop, driven over a real pipe: a cancel counts for the job it names, whenever it arrives."""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

from retouch.jobs.base import Job
from retouch.worker.child import HOLD_SECONDS, Outbox, serve_jobs
from retouch.worker.messages import Batch, CancelJob, JobDone, JobStopped, LogLine, RunJob, StepDone, StopChild
from retouch.worker.runner import RunOutcome


class _SteppingRunner:
    """Checks for cancellation every 10 ms for up to 2 s, then succeeds."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def run(self, job: Job, progress: Any) -> RunOutcome:
        self.started.append(job.id)
        for k in range(200):
            time.sleep(0.01)
            progress.step(k + 1, 200)
        return RunOutcome(result={"id": job.id}, inference_time=2.0, timings={})


def _job(i: str) -> Job:
    return Job(id=i, app_id="app", owner=None, payload={})


def test_a_cancel_that_arrives_before_its_job_starts_stops_it_and_a_late_one_stops_nothing_else() -> None:
    parent, child = multiprocessing.Pipe(duplex=True)
    runner = _SteppingRunner()
    # Both already waiting in the pipe when the loop starts, as when a child is still importing.
    parent.send(RunJob(_job("a"), previews=False))
    parent.send(CancelJob("a"))
    loop = threading.Thread(target=serve_jobs, args=(child, runner, lambda done: False), daemon=True)
    loop.start()
    assert _reply(parent) == JobStopped(retire=False)

    parent.send(CancelJob("a"))  # late: its job has already ended
    parent.send(RunJob(_job("b"), previews=False))
    reply = _reply(parent)
    assert isinstance(reply, JobDone) and reply.result == {"id": "b"}

    parent.send(StopChild())
    loop.join(5)
    assert not loop.is_alive()
    assert runner.started == ["a", "b"]


def _reply(conn: Any) -> object:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert conn.poll(deadline - time.monotonic())
        message = conn.recv()
        for part in message.messages if isinstance(message, Batch) else (message,):
            if isinstance(part, JobDone | JobStopped):
                return part
    raise AssertionError("no reply from the job loop")


def test_progress_goes_out_with_the_reply_in_one_message_and_in_order() -> None:
    parent, child = multiprocessing.Pipe(duplex=True)
    outbox = Outbox(child, hold=5.0)
    outbox.hold(LogLine("plan", "INFO"))
    outbox.hold(StepDone(0, 1))
    outbox.hold(StepDone(1, 1))
    reply = JobDone({"images": []}, 0.01, {}, retire=False)
    outbox.send(reply)
    assert parent.poll(2)
    assert parent.recv() == Batch((LogLine("plan", "INFO"), StepDone(0, 1), StepDone(1, 1), reply))
    assert not parent.poll(0.1)  # nothing left behind to arrive later


def test_held_progress_still_reaches_a_live_reader_while_the_job_runs_on() -> None:
    parent, child = multiprocessing.Pipe(duplex=True)
    outbox = Outbox(child)
    t0 = time.monotonic()
    outbox.hold(LogLine("Step 2/3: remove the background", "INFO"))
    assert parent.poll(2)  # no reply follows: the flusher sends it when its time is up
    waited = time.monotonic() - t0
    assert parent.recv() == Batch((LogLine("Step 2/3: remove the background", "INFO"),))
    assert HOLD_SECONDS * 0.9 <= waited < 1.0
