"""Benchmark building blocks (`make bench`): they print and write numbers, they never assert."""
