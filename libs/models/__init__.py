"""Model clients: the bundled embedding model and the answer generators."""
