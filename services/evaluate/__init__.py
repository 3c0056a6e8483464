"""Evaluate service: scores a deterministic sample of production answers and stores the scores."""
