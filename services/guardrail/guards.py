"""The scanners the guardrail uses, built once at start-up (spaCy and the classifiers take seconds to load)."""

import asyncio
import sys
from dataclasses import dataclass

import structlog

from libs.guards.contradiction import AmountContradictionDetector, ContradictionDetector
from libs.guards.grounding import EmbeddingLexicalScorer, GroundingScorer
from libs.guards.injection import InjectionScanner
from libs.guards.injection_scan import load_injection_scanners
from libs.guards.pii import PiiDetector
from libs.guards.profanity import ProfanityCheck, WordListProfanity
from libs.guards.semantic_injection import Embedder
from libs.platform.timing import Stopwatch
from services.guardrail.settings import GuardrailSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Guards:
    injection: tuple[InjectionScanner, ...]
    pii: PiiDetector
    grounding: GroundingScorer
    contradictions: ContradictionDetector
    profanity: ProfanityCheck


def injection_scanners(settings: GuardrailSettings, embedder: Embedder | None = None) -> tuple[InjectionScanner, ...]:
    return load_injection_scanners(settings.injection, settings.injection_semantic, embedder)


def load_guards(settings: GuardrailSettings) -> Guards:
    from libs.guards.presidio import load_presidio
    from libs.models.embedder import MiniLmEmbedder

    # One onnxruntime thread: the guardrail embeds a few sentences per question or answer, and for a one-sentence
    # query one thread used half the CPU of the default (all cores) on a 2-core machine. Grounding and the
    # semantic injection scanner share this one model.
    embedder = MiniLmEmbedder(threads=1)
    return Guards(
        injection=injection_scanners(settings, embedder),
        pii=load_presidio(settings.pii_entities, settings.pii_min_score),
        grounding=EmbeddingLexicalScorer(embedder, settings.grounding_embedding_weight),
        contradictions=AmountContradictionDetector(settings.contradiction_min_subject_overlap),
        profanity=WordListProfanity(),
    )


def keep_torch_out() -> None:
    """spaCy (thinc) and Presidio import PyTorch whenever it is installed, yet the small spaCy model and the
    pattern recognizers never run it. Measured here: 65 s and 1,080 MB to load the guards with it, 14 s and
    427 MB without (the Deployment's limit is 1 GiB). Called in the service process only, before spaCy loads;
    an `import torch` in this process raises ImportError afterwards."""
    sys.modules.setdefault("torch", None)


def warm_up(guards: Guards) -> Guards:
    """One pass through every scanner, so the first question does not pay for ONNX and regex initialisation."""
    text = "Warm-up: what is the hotel cap? Write to warm.up@example.com."
    for scanner in guards.injection:
        scanner.scan(text)
    guards.pii.find(text)
    guards.grounding.score(["The warm-up sentence is not copied."], ["An unrelated evidence sentence."])
    guards.contradictions.find([])
    guards.profanity.find(text)
    return guards


class GuardsLifecycle:
    """Loads the guards in a worker thread when the service starts; the service is not ready before."""

    def __init__(self, settings: GuardrailSettings, on_loaded) -> None:
        self._settings = settings
        self._on_loaded = on_loaded

    async def load(self) -> None:
        watch = Stopwatch()
        keep_torch_out()
        self._on_loaded(await asyncio.to_thread(lambda: warm_up(load_guards(self._settings))))
        log.info("guards loaded", elapsed_ms=round(watch.elapsed_ms()))
