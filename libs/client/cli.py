"""`ragbus`: run the local stack, ingest documents, ask questions."""

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.contracts.questions import AnswerCompleted
from libs.contracts.topics import ALL_TOPICS
from libs.client.cli_cost import cost_command
from libs.client.cli_cost_model import cost_model_command
from libs.client.cli_eval import eval_command
from libs.client.cli_labels import labels_app
from libs.client.cli_report import report_command
from libs.client.documents import read_readable
from libs.client.rag_client import RagClient
from libs.devstack.stack import LocalStack, StackConfig, ensure_up

PIPELINE_ORDER = ("guardrail_in", "retrieve", "generate", "guardrail_out")
app = typer.Typer(help="ragbus: question answering with citations over Kafka.", no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
BOOTSTRAP = typer.Option("127.0.0.1:9092", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")
TENANT = typer.Option("acme", help="Tenant the documents or the question belong to.")
RUN_DIR = typer.Option(Path(".ragbus"), help="Folder of the local stack's PID files, logs, traces and Chroma data.")
PORT_BASE = typer.Option(None, help="Run a second stack: broker on this port, Chroma +1, services +2..+6.")


@app.command()
def up(partitions: int = typer.Option(3, help="Partitions per topic."), run_dir: Path = RUN_DIR,
       port_base: int | None = PORT_BASE) -> None:
    """Start the local stack: Tansu broker, Chroma server and the five services (no Docker needed)."""
    stack = LocalStack(StackConfig.at(run_dir, port_base, partitions=partitions))
    if not ensure_up(stack, progress=lambda message: console.print(f"[green]✓[/] {message}")):
        console.print("The stack is already up.")
        return
    console.print(f"Stack is up. Logs in {stack.config.run_dir / 'logs'}; stop it with `ragbus down`.")


@app.command()
def demo(keep: bool = typer.Option(True, help="Leave the stack running afterwards (for `ragbus ask`).")) -> None:
    """Start the stack (unless it is up), ingest the sample corpus, ask the demo questions."""
    from libs.client.demo import run_demo

    stack = LocalStack(StackConfig())
    started = ensure_up(stack, progress=lambda message: console.print(f"[green]✓[/] {message}"))
    try:
        asyncio.run(run_demo(stack.config.bootstrap_servers, console, print_answer))
    finally:
        if started and not keep:
            stack.down()
    if keep:
        console.print("The stack is still running: try `ragbus ask \"...\" --tenant acme`; stop it with `ragbus down`.")


@app.command()
def down(run_dir: Path = RUN_DIR) -> None:
    """Stop the local stack started by `ragbus up` (by PID files)."""
    LocalStack(StackConfig.at(run_dir)).down()
    console.print("Stack stopped.")


@app.command()
def ingest(path: Path = typer.Argument(..., help="A file, or a folder of .md, .txt, .rst, .html or .pdf files."),
           tenant: str = TENANT, bootstrap: str = BOOTSTRAP,
           timeout: float = typer.Option(120.0, help="Seconds to wait per document.")) -> None:
    """Index documents for a tenant and wait until each is ingested. Unreadable files are listed and skipped;
    the exit code is then 1."""
    documents, unreadable = read_readable(path, tenant)
    for reason in unreadable:
        console.print(f"[red]skipped[/red] {reason}")
    if not documents:
        raise typer.BadParameter(f"no readable .md/.txt/.rst/.html/.pdf files under {path}")
    asyncio.run(_ingest(documents, bootstrap, timeout))
    if unreadable:
        raise typer.Exit(1)


async def _ingest(documents, bootstrap: str, timeout: float) -> None:
    async with RagClient(bootstrap) as rag:
        with Progress(console=console) as progress:
            task = progress.add_task("ingesting", total=len(documents))
            results = await asyncio.gather(*(_ingest_one(rag, doc, timeout, progress, task) for doc in documents))
    added, updated = sum(r.chunks_added for r in results), sum(r.chunks_updated for r in results)
    removed = sum(r.chunks_removed for r in results)
    console.print(f"Ingested {len(results)} document(s): {added} new chunk(s), {updated} updated, {removed} removed.")
    for result in results:
        if result.chunks_flagged:
            console.print(f"[yellow]flagged[/yellow] {result.document_id}: {result.chunks_flagged} chunk(s) look like "
                          "prompt injection; stored, but not retrieved.")


async def _ingest_one(rag: RagClient, doc, timeout: float, progress: Progress, task) -> object:
    result = await rag.ingest(doc, timeout_s=timeout)
    progress.advance(task)
    return result


@app.command()
def delete(document_id: str = typer.Argument(..., help="The id the document was ingested under (its path without suffix)."),
           tenant: str = TENANT, bootstrap: str = BOOTSTRAP,
           timeout: float = typer.Option(120.0, help="Seconds to wait for the ingest service.")) -> None:
    """Remove a document's chunks from the tenant's index; it is never retrieved again."""
    doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id=document_id, source="ragbus delete", delete=True)
    result = asyncio.run(_ingest_one_quietly(doc, bootstrap, timeout))
    console.print(f"Deleted {document_id}: {result.chunks_removed} chunk(s) removed.")


async def _ingest_one_quietly(doc: SubmitDocument, bootstrap: str, timeout: float):
    async with RagClient(bootstrap) as rag:
        return await rag.ingest(doc, timeout_s=timeout)


@app.command()
def ask(question: str, tenant: str = TENANT, bootstrap: str = BOOTSTRAP,
        timeout: float = typer.Option(30.0, help="Seconds to wait for the answer."),
        as_json: bool = typer.Option(False, "--json", help="Print the whole answer event as JSON."),
        run_dir: Path = RUN_DIR) -> None:
    """Ask a question and print the answer with its citations (`ragbus trace <request id>` shows its spans)."""
    from libs.platform.telemetry import configure_tracing

    provider = configure_tracing("ragbus-cli", StackConfig.at(run_dir).trace_file, None)
    try:
        answer = asyncio.run(_ask(question, tenant, bootstrap, timeout))
    finally:
        provider.shutdown()
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer)


async def _ask(question: str, tenant: str, bootstrap: str, timeout: float) -> AnswerCompleted:
    async with RagClient(bootstrap) as rag:
        return await rag.ask(question, tenant, timeout_s=timeout)


def print_answer(answer: AnswerCompleted) -> None:
    colour = {"ok": "green", "abstained": "yellow"}.get(answer.status.value, "red")
    console.print(f"[bold]Q:[/] {answer.question}")
    console.print(f"[bold {colour}]{answer.status.value}[/] {answer.answer}" + (f"  ({answer.reason})" if answer.reason else ""))
    for n, citation in enumerate(answer.citations, start=1):
        console.print(f"  [{n}] {citation.document_id} · {citation.chunk_id} · {citation.source}")
    stages = ", ".join(f"{stage} {answer.stage_ms[stage]:.0f} ms" for stage in PIPELINE_ORDER if stage in answer.stage_ms)
    console.print(f"  model {answer.model or '-'} · total {answer.total_ms:.0f} ms ({stages})")
    console.print(f"  request {answer.request_id} · trace {answer.trace_id}\n")


@app.command()
def broker(action: str = typer.Argument(..., help="start or stop"), port: int = typer.Option(9092, help="Listener port."),
           partitions: int = typer.Option(3, help="Partitions per topic."), run_dir: Path = RUN_DIR) -> None:
    """Start the Tansu broker alone (loopback, topics created idempotently) or stop it by PID."""
    from libs.devstack.broker import start_broker, tansu_process

    if action == "start":
        start_broker(port, run_dir, partitions)
        console.print(f"broker ready on 127.0.0.1:{port} with every ragbus topic; stop it with `ragbus broker stop`")
    elif action == "stop":
        tansu_process(port, run_dir).stop()
        console.print("broker stopped")
    else:
        raise typer.BadParameter("action must be start or stop")


@app.command()
def trace(request_id: str = typer.Argument(..., help="A request id or a trace id."), run_dir: Path = RUN_DIR) -> None:
    """Show one request's spans across every service as a tree (from the local stack's trace file)."""
    from libs.client.trace_view import render_tree, service_edges, spans_of

    spans = spans_of(StackConfig.at(run_dir).trace_file, request_id)
    if not spans:
        console.print(f"no spans for {request_id} in {StackConfig.at(run_dir).trace_file} (spans are flushed every 0.5 s)")
        raise typer.Exit(code=1)
    console.print(render_tree(spans))
    console.print("hops: " + " → ".join(dict.fromkeys(f"{a}→{b}" for a, b in service_edges(spans))))


@app.command()
def topics(bootstrap: str = BOOTSTRAP, partitions: int = typer.Option(3, help="Partitions per new topic.")) -> None:
    """Create every ragbus topic that does not exist yet (idempotent)."""
    from libs.platform.topics_admin import ensure_topics

    created = asyncio.run(ensure_topics(bootstrap, ALL_TOPICS, partitions))
    console.print(f"created {len(created)} topic(s): {', '.join(created) or 'none needed'}")


@app.command()
def migrate(database_url: str = typer.Option("postgresql://postgres@127.0.0.1:5432/test", envvar="DATABASE_URL")) -> None:
    """Apply pending PostgreSQL migrations."""
    import asyncpg

    from libs.stores.postgres import migrate as apply

    async def run() -> list[str]:
        connection = await asyncpg.connect(database_url)
        try:
            return await apply(connection)
        finally:
            await connection.close()

    console.print(f"applied: {', '.join(asyncio.run(run())) or 'nothing pending'}")


app.command("eval")(eval_command)
app.command("report")(report_command)
app.command("cost")(cost_command)
app.command("cost-model")(cost_model_command)
app.add_typer(labels_app, name="labels", help="Human evaluation: export answers to label, import labels, agreement.")


if __name__ == "__main__":
    app()
