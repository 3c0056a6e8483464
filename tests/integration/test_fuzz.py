"""Bad input, CI-sized (`make fuzz` is the full run): malformed and hostile messages on every service input topic,
interleaved with valid ones. Every bad one is dead-lettered with a reason by the topic's consumer group, every
valid one is answered (or ingested) and not dead-lettered, and no consumer dies or restarts."""

import pytest

from libs.chaos.fuzz import FuzzRun, run_fuzz

pytestmark = pytest.mark.integration


@pytest.mark.timeout(150)
async def test_every_bad_message_is_dead_lettered_every_valid_one_answered_and_no_consumer_dies(stack, tenant):
    result = await run_fuzz(stack, FuzzRun(bad_per_topic=12, valid_per_topic=2, wait_s=90, seed=5, tenant=tenant))
    print({topic: {k: row[k] for k in ("sent_bad", "dead_lettered", "missing_by_kind", "valid_sent", "valid_answered")}
           for topic, row in result["topics"].items()})

    assert len(result["topics"]) == 6
    for topic, row in result["topics"].items():
        assert row["sent_bad"] == 12 and row["refused_by_broker"] == 0, (topic, row)
        assert row["missing"] == 0, (topic, row["missing_by_kind"])
        assert (row["letters_wrong_group"], row["letters_without_reason"]) == (0, 0), (topic, row)
        assert row["valid_dead_lettered"] == 0, (topic, row)
        assert row["valid_answered"] in (None, row["valid_sent"]), (topic, row)
        assert row["consumer_alive"], (topic, result["services"])
    assert all(all(status.values()) for status in result["services"].values()), result["services"]
