from libs.client.trace_view import render_tree, service_edges, trace_ids_for


def span(span_id, parent, service, start, trace_id="a" * 32, **attributes):
    return {"trace_id": trace_id, "span_id": span_id, "parent_id": parent, "name": f"{service} work", "service": service,
            "kind": "INTERNAL", "start_ns": start, "end_ns": start + 1_000_000, "status": "UNSET",
            "attributes": attributes, "links": []}


SPANS = [
    span("1", None, "client", 0),
    span("2", "1", "guardrail", 10, **{"ragbus.request_id": "req-1"}),
    span("3", "2", "guardrail", 20),
    span("4", "3", "retrieve", 30),
    span("9", None, "other", 5, trace_id="b" * 32, **{"ragbus.request_id": "req-2"}),
]


def test_trace_found_by_request_id_or_trace_id():
    assert trace_ids_for(SPANS, "req-1") == ["a" * 32]
    assert trace_ids_for(SPANS, "b" * 32) == ["b" * 32]
    assert trace_ids_for(SPANS, "nothing") == []


def test_edges_are_hops_between_services_only():
    assert service_edges(SPANS[:4]) == [("client", "guardrail"), ("guardrail", "retrieve")]


def test_tree_nests_children_under_parents():
    tree = render_tree(SPANS[:4])
    client = tree.children[0]
    assert "client" in client.label
    assert "guardrail" in client.children[0].label
    assert "retrieve" in client.children[0].children[0].children[0].label
