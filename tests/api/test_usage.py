"""Every result carries usage and cost; estimates come before a run; the per-key ledger totals them by day."""

from __future__ import annotations

import pytest

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer
from ..support.polling import wait_done

# Each test here runs on the embedded store and on Redis + S3: both shapes must behave identically.
pytestmark = pytest.mark.backends("sqlite", "redis")

QUEUE = "/queue/openai/gpt-image-2/edit"


def test_estimate_result_and_daily_usage_per_key(live_auth: LiveServer) -> None:
    body = {"prompt": "gray", "image_urls": [data_uri(png_bytes((1024, 768)))], "quality": "high"}
    with live_auth.client("alice-secret") as alice, live_auth.client("bob-secret") as bob:
        est = alice.post("/openai/gpt-image-2/edit/estimate", json=body).json()
        assert est["per_image"] == 0.15 and est["output_size"] == {"width": 1024, "height": 768}
        assert est["cost"] > 0.15 and est["currency"] == "USD"
        for _ in range(2):
            sub = alice.post(QUEUE, json=body).json()
            wait_done(alice, sub["status_url"])
            result = alice.get(sub["response_url"]).json()
            assert result["cost"] == est["cost"] and result["usage"]["total_tokens"] > 0
        sync = alice.post("/openai/gpt-image-2/edit", json={**body, "sync_mode": True, "num_images": 2}).json()
        assert len(sync["images"]) == 2
        mine = alice.get("/usage").json()
        assert mine["key"] == "alice" and mine["total"]["requests"] == 3 and mine["total"]["images"] == 4
        assert abs(mine["total"]["cost"] - (2 * est["cost"] + sync["cost"])) < 1e-6
        assert len(mine["days"]) == 1
        assert bob.get("/usage").json()["total"]["requests"] == 0  # keys see only their own
