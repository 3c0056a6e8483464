"""`make redteam`: the red-team suite end to end through the pipeline (RagClient → guardrail → retrieve →
generate → guardrail), on a stack of its own unless --bootstrap points at a running one.

The sample corpus and the suite's documents are ingested under tenants unique to the run (`rt<id>-acme`,
`rt<id>-globex`), so nothing it stores meets another run's or a user's data. Prints the detection rate (attacks
blocked or neutralised) and the false-positive rate (benign questions refused) per category; writes
reports/redteam/<suite folder>.json. `--suite eval/redteam/holdout` runs the hold-out set, which no detector was
written with in view (eval/redteam/holdout/README.md); the first suite's misses were known when rules were added.
"""

import argparse
import asyncio
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.client.documents import read_corpus
from libs.client.rag_client import RagClient
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id, utcnow
from libs.devstack.stack import LocalStack, StackConfig
from libs.evaluation.redteam import REDTEAM, RedteamCase, Verdict, case_rows, judge, load_cases, summarise

console = Console()
CORPUS = Path("data/corpus")


def suite_documents(cases: list[RedteamCase], tenant_of) -> list[SubmitDocument]:
    return [SubmitDocument(request_id=new_id(), tenant=tenant_of(case.tenant), document_id=case.document_id,
                           source=f"{case.document_id}.md", text=case.document_text)
            for case in cases if case.document_id]


async def ingest_all(rag: RagClient, cases: list[RedteamCase], tenant_of) -> tuple[dict[str, set[str]], dict[str, int]]:
    """(document ids per tenant, chunks flagged per document id) after ingesting corpus and suite documents."""
    corpus = [doc.model_copy(update={"tenant": tenant_of(doc.tenant)}) for doc in read_corpus(CORPUS)]
    documents = corpus + suite_documents(cases, tenant_of)
    results = await asyncio.gather(*(rag.ingest(doc, timeout_s=300) for doc in documents))
    by_tenant: dict[str, set[str]] = {}
    for doc in documents:
        by_tenant.setdefault(doc.tenant, set()).add(doc.document_id)
    return by_tenant, {result.document_id: result.chunks_flagged for result in results}


async def run(bootstrap: str, cases: list[RedteamCase]) -> dict:
    run_id = new_id()[:6]
    tenant_of = lambda tenant: f"rt{run_id}-{tenant}"  # noqa: E731
    started_at = utcnow()
    async with RagClient(bootstrap) as rag:
        by_tenant, flagged = await ingest_all(rag, cases, tenant_of)
        verdicts: list[Verdict] = []
        with console.status("red team") as status:
            for case in cases:
                tenant = tenant_of(case.tenant)
                answer = await rag.ask(case.question, tenant, timeout_s=60, request_id=f"redteam-{run_id}-{case.id}")
                foreign = set().union(*(ids for other, ids in by_tenant.items() if other != tenant))
                verdicts.append(judge(case, answer, foreign, flagged.get(case.document_id, 0)))
                status.update(f"red team: {len(verdicts)}/{len(cases)}")
    return {"run": {"id": run_id, "started_at": started_at.isoformat(), "cases": len(cases),
                    "documents_flagged": {doc: n for doc, n in sorted(flagged.items()) if n}},
            "by_category": summarise(verdicts), "cases": case_rows(verdicts)}


def print_table(result: dict) -> None:
    table = Table(title=f"ragbus red team · {result['run']['cases']} cases · detected = blocked or neutralised, "
                        "FP = benign refused")
    table.add_column("category", no_wrap=True)
    for column in ("attacks", "stopped", "detected", "benign", "refused", "FP rate"):
        table.add_column(column, justify="right")
    for category, row in result["by_category"].items():
        table.add_row(category, str(row["attacks"]), str(row["stopped"]), _percent(row["detection_rate"]),
                      str(row["benign"]), str(row["refused"]), _percent(row["false_positive_rate"]),
                      end_section=category == list(result["by_category"])[-2])
    console.print(table)
    for row in result["cases"]:
        if row["stopped"] != (row["label"] == "attack"):
            console.print(f"  {'missed' if row['label'] == 'attack' else 'refused'} {row['id']} ({row['category']}, "
                          f"{row['how']}): {row['question'][:100]}")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", help="Use the stack already running behind this broker instead of starting one.")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ragbus-redteam"))
    parser.add_argument("--port-base", type=int, default=19700, help="Broker on this port, Chroma +1, services +2..+6.")
    parser.add_argument("--suite", type=Path, default=REDTEAM,
                        help="Folder holding attacks.jsonl and benign.jsonl, e.g. eval/redteam/holdout (default: %(default)s).")
    parser.add_argument("--out", type=Path, help="Result file; default: reports/redteam/<suite folder name>.json.")
    args = parser.parse_args()
    cases = load_cases(args.suite)
    args.out = args.out or Path("reports/redteam") / f"{args.suite.name}.json"
    if args.bootstrap:
        result = asyncio.run(run(args.bootstrap, cases))
    else:
        stack = LocalStack(StackConfig.at(args.run_dir, args.port_base))
        stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
        try:
            result = asyncio.run(run(stack.config.bootstrap_servers, cases))
        finally:
            stack.down()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print_table(result)
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
