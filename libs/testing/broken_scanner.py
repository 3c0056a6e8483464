"""An injection scanner that crashes, for tests of how the guardrail fails closed when a model breaks."""

from libs.contracts.questions import CheckResult


class BrokenScanner:
    name = "prompt_injection_classifier"

    def scan(self, text: str) -> CheckResult:
        raise RuntimeError("model crashed")
