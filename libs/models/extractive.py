"""Offline extractive generator: answers with the retrieved sentences that best match the question.

Used when no model API key is set and as the last rung when the model API is down. It never
invents text: every sentence of its answer is copied from a cited chunk.
"""

from libs.contracts.questions import RetrievedChunk
from libs.models.generation import Draft, cite
from libs.models.text import content_words, coverage, sentences

MODEL_NAME = "offline-extractive-v1"


class ExtractiveGenerator:
    def __init__(self, max_sentences: int = 2, min_overlap: float = 0.34) -> None:
        self._max_sentences = max_sentences
        self._min_overlap = min_overlap

    async def generate(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        return self.answer(question, chunks)

    def answer(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        asked = content_words(question)
        candidates = []
        for rank, chunk in enumerate(chunks):
            for sentence in sentences(chunk.text):
                overlap = coverage(asked, content_words(sentence))
                # ties go to the better-ranked chunk: retrieval already judged relevance
                candidates.append((overlap - rank * 0.01, sentence, chunk))
        best = sorted((c for c in candidates if c[0] >= self._min_overlap), key=lambda c: -c[0])[: self._max_sentences]
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
