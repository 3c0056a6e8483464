"""Offline extractive generator: answers with the retrieved sentences that best match the question.

Used when no model API key is set and as the last rung when the model API is down. It never
invents text: every sentence of its answer is copied from a cited chunk.

A sentence must match the question by itself to be quoted; among those that do, it is ranked as read under
its chunk's headings ("Parental leave > Birthing parent" qualifies "receives 20 weeks"). A heading line is
never quoted as an answer.
"""

from libs.contracts.questions import RetrievedChunk
from libs.models.generation import Draft, cite
from libs.models.text import coverage, matching_words, sentences

MODEL_NAME = "offline-extractive-v1"


class ExtractiveGenerator:
    def __init__(self, max_sentences: int = 2, min_overlap: float = 0.34) -> None:
        self._max_sentences = max_sentences
        self._min_overlap = min_overlap

    async def generate(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        return self.answer(question, chunks)

    def answer(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        asked = matching_words(question)
        candidates = []
        for rank, chunk in enumerate(chunks):
            headings = matching_words(chunk.heading_path)
            for sentence in sentences(body_of(chunk)):
                said = matching_words(sentence)
                if coverage(asked, said) < self._min_overlap:
                    continue
                # ties go to the better-ranked chunk: retrieval already judged relevance
                candidates.append((coverage(asked, said | headings) - rank * 0.01, sentence, chunk))
        best = sorted(candidates, key=lambda c: -c[0])[: self._max_sentences]
        if not best:
            return Draft(answer="", citations=[], model=MODEL_NAME)
        numbers: dict[str, int] = {}
        quotes: dict[str, list[str]] = {}
        parts = []
        for _, sentence, chunk in best:
            numbers.setdefault(chunk.chunk_id, len(numbers) + 1)
            quotes.setdefault(chunk.chunk_id, []).append(sentence)
            parts.append(f"{sentence} [{numbers[chunk.chunk_id]}]")
        by_id = {chunk.chunk_id: chunk for chunk in chunks}
        citations = [cite(by_id[chunk_id], " ".join(quotes[chunk_id])) for chunk_id in numbers]
        return Draft(answer=" ".join(parts), citations=citations, model=MODEL_NAME)


def body_of(chunk: RetrievedChunk) -> str:
    """The chunk's text without the heading-path line it starts with."""
    if chunk.heading_path and chunk.text.startswith(chunk.heading_path):
        return chunk.text[len(chunk.heading_path):].lstrip()
    return chunk.text
