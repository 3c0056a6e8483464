"""The bundled SecureVector Guardian classifier (svguardian, stdlib only), applied sentence by sentence.

A whole-text score dilutes a short payload in a long pasted e-mail thread, so every sentence (long ones as
overlapping windows) and every decoded base64/hex blob is scored too. A single sentence must clear a
higher bar than the whole text, because one short span condemning a long text is a strong claim.
"""

from dataclasses import dataclass
from pathlib import Path

from libs.contracts.questions import CheckResult
from libs.guards.charset import normal_form
from libs.guards.injection import Predictor
from libs.guards.segments import segments

NAME = "prompt_injection_classifier"


@dataclass(frozen=True)
class Span:
    where: str
    score: float
    threshold: float
    category: str | None

    @property
    def margin(self) -> float:
        return self.score - self.threshold


class GuardianScanner:
    name = NAME

    def __init__(self, predictor: Predictor, text_threshold: float, sentence_threshold: float, min_words: int = 4) -> None:
        self._predictor = predictor
        self._text_threshold = text_threshold
        self._sentence_threshold = sentence_threshold
        self._min_words = min_words

    def scan(self, text: str) -> CheckResult:
        spans = self._score_spans(normal_form(text))
        worst = max(spans, key=lambda span: span.margin)
        return CheckResult(
            check=self.name, passed=worst.margin < 0, score=round(worst.score, 4), threshold=worst.threshold,
            detail=f"{worst.where}: {worst.category or 'benign'}; {len(spans)} spans scored",
        )

    def _score_spans(self, text: str) -> list[Span]:
        from svguardian.decode import decoded_spans

        pieces = [("whole text", text, self._text_threshold)]
        pieces += [(f"sentence {n}", piece, self._sentence_threshold) for n, piece in enumerate(segments(text, self._min_words), 1)]
        pieces += [(f"decoded blob {n}", piece, self._sentence_threshold) for n, piece in enumerate(decoded_spans(text), 1)]
        return [self._span(where, piece, threshold) for where, piece, threshold in pieces]

    def _span(self, where: str, piece: str, threshold: float) -> Span:
        prediction = self._predictor.predict(piece)
        return Span(where, float(prediction["malicious_score"]), threshold, prediction.get("category") or _top_attack(prediction))


def _top_attack(prediction: dict) -> str | None:
    attacks = [label for label, _ in prediction.get("top3", []) if label != "benign"]
    return attacks[0] if attacks else None


def load_guardian(model_path: Path | None = None):
    """The classifier shipped inside the svguardian wheel (never downloaded); a missing file fails start-up."""
    from svguardian import resolve_runtime
    from svguardian.model.pure_infer import PureGuardian

    path = Path(model_path or resolve_runtime(download=False))
    if not path.is_file():
        raise RuntimeError(f"prompt-injection model not found at {path} (securevector-guardian-model wheel)")
    return PureGuardian.load(str(path))
