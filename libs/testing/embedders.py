"""A deterministic stand-in for the MiniLM embedder, for tests of the stores and searches (not of embedding)."""

import hashlib

import numpy as np


class CountingEmbedder:
    """Bag-of-words vectors from word hashes: deterministic, and counts every text it embeds."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts) -> np.ndarray:
        self.embedded += list(texts)
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9, None)
