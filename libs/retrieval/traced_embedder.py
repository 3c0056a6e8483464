"""The query embedder inside a span, so a trace shows the model's share of a search beside the vector store's.

Wraps any embedder (the bundled MiniLM in the retrieve service); the span carries the model and the shape,
never the text (questions may hold personal data).
"""

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

from libs.platform import telemetry
from libs.platform.telemetry import tracer


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class TracedEmbedder:
    def __init__(self, embedder: Embedder, model: str) -> None:
        self._embedder, self._model = embedder, model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        attributes = {gen_ai.GEN_AI_OPERATION_NAME: gen_ai.GenAiOperationNameValues.EMBEDDINGS.value,
                      gen_ai.GEN_AI_REQUEST_MODEL: self._model, "ragbus.texts": len(texts)}
        with tracer().start_as_current_span(telemetry.RETRIEVE_EMBED, attributes=attributes) as span:
            vectors = self._embedder.embed(texts)
            span.set_attribute(gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT, int(vectors.shape[-1]))
            return vectors
