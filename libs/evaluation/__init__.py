"""Evaluation shared by the offline suite and the online evaluator: judges and metrics."""
