"""The context budget: local token estimate, near-duplicates dropped, chunks packed by rank, overflow handled."""

from libs.models.context_budget import CharRatioCounter, ContextLimits, jaccard, plan_context, shingles
from libs.models.prompts import render, template_for
from libs.testing.generation import chunk

COUNTER = CharRatioCounter(3.5)
TEMPLATE = template_for("default")
QUESTION = "What is the hotel cap per night?"


def sized(chunk_id: str, words: int, topic: str = "policy") -> object:
    """A chunk of `words` distinct words (never a near-duplicate of another topic)."""
    return chunk(chunk_id, " ".join(f"{topic}{n}" for n in range(words)) + ".")


def prompt_tokens(question: str, chunks) -> int:
    prompt = render(TEMPLATE, question, chunks)
    return COUNTER.count(prompt.system) + COUNTER.count(prompt.user)


def test_the_estimate_is_characters_over_the_ratio_rounded_up_and_names_itself():
    assert COUNTER.count("x" * 7) == 2
    assert COUNTER.count("x" * 8) == 3
    assert COUNTER.count("") == 0
    assert COUNTER.name == "chars/3.5"


def test_everything_fits_in_a_roomy_window_in_rank_order():
    chunks = [sized("a#1", 50, "alpha"), sized("b#1", 50, "beta"), sized("c#1", 50, "gamma")]
    plan = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, ContextLimits(window_tokens=8192))
    assert [c.chunk_id for c in plan.chunks] == ["a#1", "b#1", "c#1"]
    assert plan.dropped_chunk_ids == [] and plan.fits
    assert prompt_tokens(QUESTION, plan.chunks) <= plan.prompt_tokens  # the plan never undercounts its prompt


def test_near_identical_chunks_keep_the_better_ranked_one():
    text = "Hotel stays are capped at 180 EUR per night in every city of the travel policy for all staff."
    chunks = [chunk("policy-2025#1", text), chunk("other#1", "Trains are booked in second class."),
              chunk("policy-2026#1", text.replace("all staff.", "all staff members."))]
    assert jaccard(shingles(chunks[0].text), shingles(chunks[2].text)) >= 0.8
    plan = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, ContextLimits())
    assert [c.chunk_id for c in plan.chunks] == ["policy-2025#1", "other#1"]
    assert plan.dropped_chunk_ids == ["policy-2026#1"]


def test_chunks_over_the_budget_are_dropped_and_smaller_later_ones_still_fit():
    chunks = [sized("a#1", 60, "alpha"), sized("big#1", 400, "beta"), sized("c#1", 60, "gamma")]
    limits = ContextLimits(window_tokens=prompt_tokens(QUESTION, [chunks[0], chunks[2]]) + 512 + 2, output_tokens=512)
    plan = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, limits)
    assert [c.chunk_id for c in plan.chunks] == ["a#1", "c#1"]
    assert plan.dropped_chunk_ids == ["big#1"]
    assert plan.prompt_tokens <= limits.window_tokens - limits.output_tokens


def test_output_tokens_are_reserved_out_of_the_window():
    chunks = [sized("a#1", 60, "alpha"), sized("b#1", 60, "beta")]
    window = prompt_tokens(QUESTION, chunks) + 10
    roomy = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, ContextLimits(window_tokens=window, output_tokens=5))
    reserved = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, ContextLimits(window_tokens=window, output_tokens=200))
    assert len(roomy.chunks) == 2
    assert [c.chunk_id for c in reserved.chunks] == ["a#1"] and reserved.dropped_chunk_ids == ["b#1"]


def test_when_no_chunk_fits_whole_the_best_one_is_cut_to_fit():
    chunks = [sized("huge#1", 3000, "alpha"), sized("huge#2", 3000, "beta")]
    limits = ContextLimits(window_tokens=1200, output_tokens=256)
    plan = plan_context(QUESTION, chunks, TEMPLATE, COUNTER, limits)
    assert [c.chunk_id for c in plan.chunks] == ["huge#1"]
    assert chunks[0].text.startswith(plan.chunks[0].text) and len(plan.chunks[0].text) < len(chunks[0].text)
    assert plan.dropped_chunk_ids == ["huge#2"]
    assert prompt_tokens(QUESTION, plan.chunks) <= limits.window_tokens - limits.output_tokens


def test_a_question_too_long_for_the_window_cannot_reach_a_model():
    question = "Why? " * 4000
    plan = plan_context(question, [sized("a#1", 30)], TEMPLATE, COUNTER, ContextLimits(window_tokens=2048))
    assert plan.fits is False
    assert [c.chunk_id for c in plan.chunks] == ["a#1"]  # the offline rung still gets the chunks
