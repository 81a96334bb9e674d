"""The in-process event hub: every reader gets a job's events in order; a waiter for the end is woken only by it."""

from __future__ import annotations

import asyncio

from retouch.jobs.events import ENDS, Event, EventHub


def test_a_waiter_for_the_end_is_woken_by_the_end_alone_while_a_stream_sees_everything() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        hub = EventHub()
        stream = hub.subscribe("j")
        waiter = hub.subscribe("j", kinds=ENDS)
        for event in (Event("status", {"status": "IN_PROGRESS"}), Event("log", {"message": "x"}), Event("done")):
            hub.publish("j", event)
        await asyncio.sleep(0)  # the hub hands events over with call_soon_threadsafe
        seen: list[list[str]] = [[], []]
        for i, sub in enumerate((stream, waiter)):
            while (event := sub.get_nowait()) is not None:
                seen[i].append(event.kind)
            sub.close()
        return seen[0], seen[1]

    everything, ends = asyncio.run(scenario())
    assert everything == ["status", "log", "done"]
    assert ends == ["done"]


def test_an_ends_only_reader_is_not_asked_for_previews() -> None:
    async def scenario() -> bool:
        hub = EventHub()
        with hub.subscribe("j", kinds=ENDS):
            return hub.has_subscribers("j")

    assert asyncio.run(scenario()) is False
