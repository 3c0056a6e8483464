"""Metric definitions, shared by the offline suite and the online evaluator (see eval/METRICS.md).

All metrics are in [0, 1], higher is better, and None means "not measurable for this case".
"""

import math
import re
from collections.abc import Sequence

from libs.models.text import content_words, coverage, sentences

CITATION_MARK = re.compile(r"\s*\[\d{1,2}\]")
SUPPORT_THRESHOLD = 0.6


def ranked_documents(retrieved_document_ids: Sequence[str]) -> list[str]:
    """Document ids in rank order, each once (several chunks of one document count as one hit)."""
    return list(dict.fromkeys(retrieved_document_ids))


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    if not relevant:
        return None
    top = ranked[:k]
    return sum(doc in relevant for doc in top) / k


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    if not relevant:
        return None
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float | None:
    """Graded nDCG: `gains` maps relevant ids to their gain (1 for binary judgements)."""
    if not gains:
        return None
    dcg = sum(gains.get(doc, 0.0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float | None:
    if not relevant:
        return None
    return next((1.0 / (rank + 1) for rank, doc in enumerate(ranked) if doc in relevant), 0.0)


def context_precision(retrieved_document_ids: Sequence[str], relevant: set[str]) -> float | None:
    """Share of retrieved chunks that come from a relevant document."""
    if not relevant or not retrieved_document_ids:
        return None
    return sum(doc in relevant for doc in retrieved_document_ids) / len(retrieved_document_ids)


def fact_coverage(text: str, key_facts: Sequence[str]) -> float | None:
    """Share of key facts that appear in the text (case-insensitive, whitespace-normalised)."""
    if not key_facts:
        return None
    haystack = " ".join(text.lower().split())
    return sum(" ".join(fact.lower().split()) in haystack for fact in key_facts) / len(key_facts)


def answer_claims(answer: str) -> list[str]:
    return sentences(CITATION_MARK.sub("", answer))


def faithfulness(answer: str, evidence: str) -> float | None:
    """Share of answer sentences whose content words the evidence contains (≥ SUPPORT_THRESHOLD of them)."""
    claims = answer_claims(answer)
    if not claims or not evidence.strip():
        return None
    evidence_words = content_words(evidence)
    return sum(coverage(content_words(claim), evidence_words) >= SUPPORT_THRESHOLD for claim in claims) / len(claims)


def answer_relevance(question: str, answer: str) -> float | None:
    """Share of the question's content words that the answer addresses."""
    asked = content_words(question)
    if not asked or not answer.strip():
        return None
    return coverage(asked, content_words(CITATION_MARK.sub("", answer)))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[index]
