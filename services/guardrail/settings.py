from enum import StrEnum

from pydantic import Field

from libs.guards.injection_scan import InjectionScanSettings
from libs.guards.pii import DEFAULT_ENTITIES
from libs.platform.settings import DatabaseSettings, ServiceSettings


class PiiAction(StrEnum):
    REDACT = "redact"
    BLOCK = "block"
    ALLOW = "allow"


class GuardrailSettings(ServiceSettings, DatabaseSettings):
    health_port: int = Field(8084, description="Port of /healthz and /readyz.")
    max_question_chars: int = Field(16000, ge=1, description="Longer questions are blocked as oversized (a pasted e-mail thread fits).")

    injection: InjectionScanSettings = Field(
        default_factory=InjectionScanSettings, description="Prompt-injection scan of questions (INJECTION_* variables).")
    injection_semantic: bool = Field(
        True, description="Also scan questions with the semantic injection scanner (MiniLM embeddings against labelled "
                          "exemplars, thresholds INJECTION_SEMANTIC_*); red team 49 → 55 of 63 attacks stopped, benign "
                          "refusals unchanged (ADR 0007).")

    pii_default_action: PiiAction = Field(PiiAction.REDACT, description="What to do with PII in a question: redact, block or allow.")
    pii_policy: dict[str, PiiAction] = Field(
        default_factory=dict, description='Per-tenant PII action as JSON, e.g. {"acme": "redact", "globex": "block"}.')
    pii_entities: tuple[str, ...] = Field(
        DEFAULT_ENTITIES, description="Presidio entity types treated as PII (PERSON is off: the small spaCy model tags places and companies).")
    pii_min_score: float = Field(0.35, ge=0, le=1, description="Presidio confidence from which a span counts as PII.")

    grounding_threshold: float = Field(
        0.5, ge=0, le=1, description="Abstain when the mean support of the answer's sentences by the cited passages is below this.")
    grounding_sentence_threshold: float = Field(
        0.5, ge=0, le=1, description="A sentence below this support is reported as unsupported in the answer's warnings.")
    grounding_embedding_weight: float = Field(
        0.5, ge=0, le=1, description="Weight of embedding similarity against word overlap in a sentence's support.")
    contradiction_min_subject_overlap: float = Field(
        0.6, ge=0, le=1, description="Jaccard overlap of two amounts' subjects from which differing values count as a conflict.")
    low_confidence_retries: int = Field(
        1, ge=0, le=3, description="Times a low-confidence draft is sent back to retrieve, with a wider search, before abstaining.")
    retry_top_k_factor: int = Field(2, ge=1, le=10, description="A retry searches top_k × this many chunks (at most 50).")
    retry_min_remaining_s: float = Field(
        3.0, ge=0, description="No retry when less than this remains before the deadline: abstain now rather than expire.")
    abstain_max_citations: int = Field(3, ge=0, description="Citations kept on a low-confidence abstention (best retrieved first).")

    def pii_action_for(self, tenant: str) -> PiiAction:
        return self.pii_policy.get(tenant, self.pii_default_action)
