"""Prompt-injection scanners. Each returns one CheckResult; a question is blocked when any of them fails."""

from typing import Protocol

from libs.contracts.questions import CheckResult


class InjectionScanner(Protocol):
    name: str

    def scan(self, text: str) -> CheckResult:
        """passed=False when the text tries to change the assistant's instructions. Never echoes the text."""
        ...


class Predictor(Protocol):
    """A text classifier in svguardian's shape: predict(text) -> {"malicious_score", "category", ...}."""

    def predict(self, text: str) -> dict: ...
