"""The local stack without Docker: Tansu broker, Chroma server and the five services as processes.

Used by `ragbus up/down/demo`, the tests and the benchmarks. Production uses Apache Kafka (deploy/).
"""
