"""The fuzzer's bad messages are bad by the contract, of every kind; its valid ones are valid."""

import json

import pytest

from libs.chaos.hostile import accepts, bad_messages, strategies
from libs.chaos.samples import INPUT_TOPICS, valid_event


@pytest.mark.parametrize("spec", INPUT_TOPICS, ids=lambda spec: spec.topic)
def test_every_bad_message_is_refused_by_the_topics_contract_and_every_kind_is_drawn(spec):
    template = valid_event(spec.topic, "fuzz", "How many valves?", 60).model_dump(mode="json")
    bad = bad_messages(spec.model, template, 80, seed_value=3)
    assert len(bad) == 80
    assert not any(accepts(spec.model, message.value) for message in bad)
    assert {message.kind for message in bad} == set(strategies(template))


@pytest.mark.parametrize("spec", INPUT_TOPICS, ids=lambda spec: spec.topic)
def test_the_valid_sample_and_one_with_an_unknown_field_are_accepted(spec):
    body = valid_event(spec.topic, "fuzz", "How many valves?", 60).model_dump(mode="json")
    assert accepts(spec.model, json.dumps(body).encode())
    assert accepts(spec.model, json.dumps({**body, "x_later_field": [1]}).encode())
