"""Model API faults, CI-sized (`make faults` is the full run): generate against the fake Messages API failing 30%
of calls (429, 529, 500, slow, malformed, hangs) after an outage of the primary model. Every request gets a final
answer before its deadline, and the primary's breaker opens, goes half-open and closes again (as logged).
test_generation_resilience.py checks the answers' content and the cost ledger; this one the deadline and breaker."""

import pytest

from libs.chaos.faults import FaultRun, run_faults
from libs.client.rag_client import RagClient
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.testing.generation import PRIMARY
from libs.testing.handbook import HANDBOOK, HANDBOOK_QUESTIONS as QUESTIONS

pytestmark = pytest.mark.integration


@pytest.mark.timeout(150)
async def test_every_request_is_answered_before_its_deadline_and_the_breaker_opens_and_closes(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="handbook", text=HANDBOOK, source="handbook.md")
        await rag.ingest(doc, timeout_s=60)
    run = FaultRun(requests=64, interval_s=0.1, deadline_s=20, settle_s=5, breaker_fail_max=3, breaker_reset_s=1.0,
                   outage_calls=6, seed=3)
    result = await run_faults(stack, run, [(tenant, q) for q in QUESTIONS])
    print({k: result[k] for k in ("by_status", "ok_by_rung", "past_deadline", "latency_ms", "fake_api_calls")})
    print(result["breaker_changes_logged"])

    assert (result["sent"], result["final_answers"], result["lost"]) == (64, 64, 0)
    assert result["past_deadline"] == 0
    assert result["by_status"] == {"ok": 64}, result["not_ok_reasons"]
    assert set(result["ok_by_rung"]) <= {"primary", "secondary", "offline"} and "primary" in result["ok_by_rung"]
    faults = {kind: n for kind, n in result["fake_api_calls"]["outcomes"].items() if kind not in ("ok", "slow")}
    assert sum(faults.values()) > 6, result["fake_api_calls"]  # the outage and the 30% did happen
    primary = [(c["old_state"], c["new_state"]) for c in result["breaker_changes_logged"] if c["model"] == PRIMARY]
    assert ("closed", "open") in primary and ("open", "half-open") in primary and ("half-open", "closed") in primary, primary
    assert primary[-1][1] == "closed"
