"""Around every suite script's run: a stack of its own holding the sample corpus, then the JSON result."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console

from libs.client.rag_client import RagClient
from libs.devstack.stack import LocalStack, StackConfig
from libs.evaluation.runner import CORPUS, ingest_corpus

Run = Callable[[LocalStack], Awaitable[dict]]


async def _ingest_then(stack: LocalStack, run: Run) -> dict:
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_corpus(rag, CORPUS)
    return await run(stack)


def on_own_stack(config: StackConfig, run: Run, console: Console) -> dict:
    """Start the stack, ingest data/corpus, run; the stack is stopped whatever happens."""
    stack = LocalStack(config)
    try:
        stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
        return asyncio.run(_ingest_then(stack, run))
    finally:
        stack.down()


def write_result(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
