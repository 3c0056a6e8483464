from datetime import timedelta

from pydantic import Field

from libs.evaluation.drift import DriftPolicy
from libs.evaluation.judge_factory import JudgeSettings
from libs.platform.settings import DatabaseSettings, ServiceSettings


class EvaluateSettings(ServiceSettings, DatabaseSettings, JudgeSettings):
    health_port: int = Field(8085, description="Port of /healthz and /readyz.")
    eval_sample_rate: float = Field(0.1, ge=0.0, le=1.0, description="Share of answers scored, by request-id hash.")
    eval_drift_window: int = Field(50, ge=1, description="Most recent measured scores whose mean is checked for drift.")
    eval_drift_baseline_window: int = Field(
        200, ge=1, description="Measured scores before the recent window whose mean is the baseline."
    )
    eval_drift_max_drop: float = Field(
        0.15, gt=0.0, le=1.0, description="Alert when the recent mean is lower than the baseline by more than this."
    )
    answer_retention_days: float = Field(
        30.0, ge=0.0, description="Days questions and answers (their text) are kept in PostgreSQL; 0: kept forever.")
    dead_letter_retention_days: float = Field(
        30.0, ge=0.0, description="Days dead-letter rows (no payload or error text) stay in PostgreSQL; 0: forever.")
    retention_purge_interval_s: float = Field(
        3600.0, gt=0.0, description="Seconds between purges of expired questions, answers and dead-letter rows.")

    def retention(self) -> timedelta | None:
        return timedelta(days=self.answer_retention_days) if self.answer_retention_days > 0 else None

    def dead_letter_retention(self) -> timedelta | None:
        return timedelta(days=self.dead_letter_retention_days) if self.dead_letter_retention_days > 0 else None

    def drift_policy(self) -> DriftPolicy:
        return DriftPolicy(self.eval_drift_window, self.eval_drift_baseline_window, self.eval_drift_max_drop)
