"""`ragbus demo`: the sample corpus in, a few questions out, answers with citations on screen."""

import asyncio
import json
from pathlib import Path

from rich.console import Console

from libs.client.documents import read_corpus
from libs.client.rag_client import RagClient
from libs.contracts.questions import AnswerCompleted

CORPUS = Path("data/corpus")
QUESTIONS = Path("data/demo-questions.json")


async def run_demo(bootstrap: str, console: Console, print_answer) -> list[AnswerCompleted]:
    documents = read_corpus(CORPUS)
    questions = json.loads(QUESTIONS.read_text())
    async with RagClient(bootstrap) as rag:
        with console.status(f"ingesting {len(documents)} documents of {CORPUS}"):
            results = await asyncio.gather(*(rag.ingest(doc) for doc in documents))
        console.print(f"Ingested {len(results)} documents ({sum(r.chunks_added for r in results)} new chunks).\n")
        answers = []
        for item in questions:
            console.print(f"[dim]tenant {item['tenant']}[/]")
            answer = await rag.ask(item["question"], item["tenant"], timeout_s=30)
            print_answer(answer)
            answers.append(answer)
    return answers
