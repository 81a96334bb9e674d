"""Every waiting job's place under the turn rule, worked out from the list of waiting jobs alone.

A store's ``queue_position`` answers for one job with a few counting reads. The status board needs the place of
every job that clients are polling, and the queue changes with every start and end: read one job at a time, a
queue of 64 polled every 100 ms meant hundreds of store reads a second. One read of the waiting jobs and this
arithmetic give all places at once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate


def places(waiting: Iterable[tuple[str, int, str]]) -> dict[str, int]:
    """``waiting``: (job id, priority, owner) of every waiting job, each owner's jobs in the order they will run
    (lower priority numbers run first). A job's place is the number of jobs that start before it: every waiting
    job of a better priority, its owner's earlier jobs, and from each other owner of its priority at most one job
    per round up to this job's round."""
    queues: dict[int, dict[str, list[str]]] = {}
    for job_id, priority, owner in waiting:
        queues.setdefault(priority, {}).setdefault(owner, []).append(job_id)
    found: dict[str, int] = {}
    ahead = 0
    for priority in sorted(queues):
        owners = queues[priority]
        counts = sorted(len(ids) for ids in owners.values())
        below = list(accumulate(counts, initial=0))  # below[i]: jobs of the i owners with the fewest
        for ids in owners.values():
            for rank, job_id in enumerate(ids):
                rounds = rank + 1
                # Each owner contributes min(its jobs, rounds); this job's own owner contributes rounds, of which
                # rank jobs are ahead of it.
                short = bisect_left(counts, rounds)
                per_round = below[short] + rounds * (len(counts) - short)
                found[job_id] = ahead + per_round - 1
        ahead += below[-1]
    return found
