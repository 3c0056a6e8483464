"""`ragbus labels`: export answers for annotators, import their labels, report judge–human agreement."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from libs.evaluation.human_labels import (
    HumanLabel, LabelFileError, agreement as judge_agreement, export_record, faithfulness_pairs, parse_labels,
)
from libs.evaluation.judges import OfflineJudge
from libs.stores.postgres import open_pool
from libs.stores.scores import HumanLabelStore

T = TypeVar("T")
labels_app = typer.Typer(
    help="Human evaluation: label a sample of answers, compare with the judge.", no_args_is_help=True
)
console = Console()
DATABASE_URL = typer.Option("postgresql://postgres@127.0.0.1:5432/test", envvar="DATABASE_URL", help="PostgreSQL DSN.")
JUDGE = typer.Option(OfflineJudge.name, help="Judge whose scores are compared (eval_scores.judge).")


def with_store(work: Callable[[HumanLabelStore], Awaitable[T]], database_url: str) -> T:
    async def run() -> T:
        pool = await open_pool(database_url)
        try:
            return await work(HumanLabelStore(pool))
        finally:
            await pool.close()

    return asyncio.run(run())


def as_utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


@labels_app.command()
def export(
    out: Path = typer.Argument(..., help="JSONL file to write, one answer per line with blank label fields."),
    since: datetime | None = typer.Option(None, help="Only answers completed at or after this instant (UTC)."),
    limit: int = typer.Option(100, min=1, help="How many answers to export."),
    judged_only: bool = typer.Option(False, "--judged-only", help="Only answers the judge scored."),
    judge: str = JUDGE,
    database_url: str = DATABASE_URL,
) -> None:
    """Write a stable sample of ok answers (same data, same file) for annotators to label."""
    judged_by = judge if judged_only else None
    answers = with_store(lambda store: store.answers_to_label(as_utc(since), limit, judged_by), database_url)
    lines = [json.dumps(export_record(answer), ensure_ascii=False) for answer in answers]
    out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    console.print(f"exported {len(lines)} answer(s) to {out}: fill in label_faithful, label_correct, annotator")


@labels_app.command("import")
def import_labels(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Labelled JSONL file."),
    database_url: str = DATABASE_URL,
) -> None:
    """Store the labelled lines (unlabelled ones are skipped); a file with a malformed line imports nothing."""
    try:
        labels = parse_labels(path.read_text(encoding="utf-8").splitlines())
    except LabelFileError as error:
        fail(path, error.problems)
    unknown = with_store(lambda store: save_known(store, labels), database_url)
    if unknown:
        fail(path, [f"line {n}: request_id {labels[n].request_id} has no stored answer" for n in unknown])
    console.print(f"imported {len(labels)} label(s) from {path}")


async def save_known(store: HumanLabelStore, labels: dict[int, HumanLabel]) -> list[int]:
    """Save the labels unless some name a request without a stored answer; returns those lines."""
    unknown = await store.unknown_request_ids(label.request_id for label in labels.values())
    if not unknown:
        await store.save(list(labels.values()))
    return sorted(n for n, label in labels.items() if label.request_id in unknown)


def fail(path: Path, problems: list[str]) -> NoReturn:
    console.print(f"[red]{path}: nothing imported[/]")
    for problem in problems:
        console.print(f"  {problem}", highlight=False)
    raise typer.Exit(code=1)


@labels_app.command()
def agreement(judge: str = JUDGE, database_url: str = DATABASE_URL) -> None:
    """Judge vs human on faithfulness (judge score ≥ 0.5 counts as faithful): n, percent agreement, Cohen's kappa."""
    labelled = with_store(lambda store: store.faithfulness_labels(judge), database_url)
    pairs = faithfulness_pairs(labelled)
    result = judge_agreement(pairs)
    unscored = len(labelled) - result.n
    console.print(f"faithfulness, judge {judge}: n={result.n} (labels without a judge score: {unscored})")
    if result.n:
        kappa = "undefined (one class only)" if result.kappa is None else f"{result.kappa:.3f}"
        console.print(f"agreement {result.percent:.1f}%  Cohen's kappa {kappa}")
