"""Stores: the Chroma chunk index and the PostgreSQL request log and scores."""
