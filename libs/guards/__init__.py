"""Scanners shared by the guardrail (questions and answers) and, later, ingest (documents).

Each scanner sits behind a Protocol so a stronger implementation can replace it without touching callers:
`injection.InjectionScanner` (bundled classifier + rules), `pii.PiiDetector` (Presidio),
`grounding.GroundingScorer` (embeddings + lexical support), `contradiction.ContradictionDetector`
(conflicting amounts across documents) and `profanity.ProfanityCheck` (word list).
"""
