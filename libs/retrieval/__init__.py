"""Retrieval shared by the ingest and retrieve services and the benchmark: parsing, chunking, BM25, fusion."""
