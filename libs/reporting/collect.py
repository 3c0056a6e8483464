"""Everything the report shows, read from PostgreSQL into one JSON-ready dict (also embedded in the page)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from libs.evaluation.judges import OfflineJudge
from libs.reporting import canary, costs, dead_letters, operations, quality
from libs.reporting.costs import Budgets
from libs.reporting.period import Period
from libs.reporting.quality import BandPolicy
from libs.reporting.significance import MIN_SAMPLES


@dataclass(frozen=True)
class ReportOptions:
    budgets: Budgets = field(default_factory=Budgets)
    bands: BandPolicy = field(default_factory=BandPolicy)
    judge: str = OfflineJudge.name
    canary_variants: list[str] | None = None
    min_samples: int = MIN_SAMPLES


async def collect(pool: asyncpg.Pool, period: Period, options: ReportOptions) -> dict:
    by_day = await operations.answers_by_day(pool, period)
    per_variant = answers_per_variant(by_day)
    scores = await quality.daily_scores(pool, period)
    variants = sorted({*per_variant, *(row["variant"] for row in scores)})
    chosen = canary.pick_variants(per_variant, options.canary_variants)
    spend = await costs.spend_in_period(pool, period)
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "period": period.as_dict() | {"days": [day.isoformat() for day in period.days()]},
        "variants": variants,
        "answers": {"total": sum(per_variant.values()), "by_status": operations.status_totals(by_day),
                    "by_variant": per_variant, "by_day": by_day},
        "latency_ms": {"by_variant": await operations.latency_by_variant(pool, period),
                       "by_day": await operations.latency_by_day(pool, period)},
        "eval": {"daily": scores, "bands": await quality.bands(pool, period, options.bands),
                 "band_rule": band_rule(options.bands),
                 "drift_alerts": await quality.drift_alerts(pool, period, variants)},
        "cost": {**costs.totals(spend), "spend": spend,
                 "per_answer": costs.per_answer(await costs.cost_per_answer(pool, period)),
                 "tenant_days": await costs.tenant_days(pool, period, options.budgets)},
        "cache": {"by_day": await operations.cache_by_day(pool, period)},
        "rungs": await operations.rungs(pool, period),
        "dead_letters": await dead_letters.dead_letters(pool, period),
        "human_agreement": await quality.human_agreement(pool, period, options.judge),
        "canary": await canary.canary(pool, period, chosen, options.min_samples),
    }


def answers_per_variant(by_day: list[dict]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in by_day:
        totals[row["variant"]] = totals.get(row["variant"], 0) + row["answers"]
    return totals


def band_rule(policy: BandPolicy) -> str:
    return (f"mean of the measured scores in the {policy.reference_days} days before the period "
            f"± {policy.max_drop} (the drift threshold); shown with at least {quality.MIN_BASELINE_SCORES} scores")
