"""Retrieval benchmark on Cranfield 1400: BM25 alone, dense alone and hybrid (RRF), plus ingest throughput.

    .venv/bin/python scripts/bench_retrieval.py            # full run, ~2-5 minutes on 2 cores
    .venv/bin/python scripts/bench_retrieval.py --limit 200  # first 200 documents, the queries judged on them

Indexes in-process into an embedded Chroma store in a temporary folder, through the same chunking,
ChunkIndex and HybridRetriever as the services. Prints one table; writes reports/bench/retrieval.json.
Ranking is by document (the first chunk of a document ranks it); gains are 5 - judgement code.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from libs.evaluation.metrics import ndcg_at_k, percentile, ranked_documents, recall_at_k, reciprocal_rank  # noqa: E402
from libs.platform.settings import ChromaSettings  # noqa: E402
from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document  # noqa: E402
from libs.retrieval.cranfield import CranfieldDocument, load_documents, load_gains, load_queries  # noqa: E402
from libs.retrieval.fusion import ReciprocalRankFusion  # noqa: E402
from libs.retrieval.hybrid import HybridRetriever, RetrievalConfig  # noqa: E402
from libs.retrieval.lexical import Bm25Config  # noqa: E402
from libs.retrieval.tenant_indexes import TenantLexicalIndexes  # noqa: E402
from libs.retrieval.tokens import MiniLmTokenCounter  # noqa: E402

TENANT = "cranfield"
DEPTH = 100  # documents ranked per query (recall@100)
CANDIDATES = 250  # chunks taken from each search, so that 100 distinct documents remain


@dataclass(frozen=True)
class Mode:
    name: str
    retrieval: RetrievalConfig
    bm25: Bm25Config = Bm25Config()
    rrf_k: float = 60.0


def deep(**options) -> RetrievalConfig:
    return RetrievalConfig(dense_candidates=CANDIDATES, lexical_candidates=CANDIDATES, **options)


MODES = (
    Mode("bm25 (k1 0.9, b 0.4)", deep(dense=False)),
    Mode("bm25 + s-stemmer", deep(dense=False), Bm25Config(stem=True)),
    Mode("bm25 (k1 1.2, b 0.75)", deep(dense=False), Bm25Config(k1=1.2, b=0.75)),
    Mode("bm25 + prf expansion", deep(dense=False, query_expansion=True)),
    Mode("dense (MiniLM)", deep(lexical=False)),
    Mode("hybrid rrf k=60", deep()),
    Mode("hybrid rrf k=60 + s-stemmer", deep(), Bm25Config(stem=True)),
    Mode("hybrid rrf k=20", deep(), rrf_k=20.0),
)


@dataclass
class Collection:
    documents: list[CranfieldDocument]
    queries: dict[str, str]
    gains: dict[str, dict[str, float]]
    stats: dict = field(default_factory=dict)


def load(folder: Path, limit: int | None) -> Collection:
    documents = load_documents(folder)[:limit]
    kept = {doc.doc_id for doc in documents}
    gains = {q: {d: g for d, g in judged.items() if d in kept} for q, judged in load_gains(folder).items()}
    gains = {q: judged for q, judged in gains.items() if judged}
    queries = {q: text for q, text in load_queries(folder).items() if q in gains}
    return Collection(documents, queries, gains)


def ingest(collection: Collection, store, counter, chunking: ChunkingConfig) -> dict:
    started, chunks = time.perf_counter(), 0
    for number, doc in enumerate(collection.documents, start=1):
        if number % 200 == 0:
            print(f"ingest: {number}/{len(collection.documents)} documents", file=sys.stderr, flush=True)
        source = SourceDocument(TENANT, doc.doc_id, f"cranfield/{doc.doc_id}.md", doc.as_markdown())
        pieces = chunk_document(source, counter, chunking)
        store.replace_document(TENANT, doc.doc_id, pieces)
        chunks += len(pieces)
    seconds = time.perf_counter() - started
    return {"documents": len(collection.documents), "chunks": chunks, "seconds": round(seconds, 2),
            "chunks_per_s": round(chunks / seconds, 1), "documents_per_s": round(len(collection.documents) / seconds, 1)}


def evaluate(mode: Mode, store, counter, collection: Collection) -> dict:
    print(f"{mode.name}: {len(collection.queries)} queries", file=sys.stderr, flush=True)
    lexical = TenantLexicalIndexes(store.tenant_chunks, mode.bm25)
    started = time.perf_counter()
    lexical.index_for(TENANT)
    build_ms = (time.perf_counter() - started) * 1000
    retriever = HybridRetriever(store, lexical, ReciprocalRankFusion(mode.rrf_k), counter, mode.retrieval)
    rows, latencies = [], []
    for number, text in collection.queries.items():
        started = time.perf_counter()
        found = retriever.retrieve(TENANT, text, CANDIDATES)
        latencies.append((time.perf_counter() - started) * 1000)
        rows.append(score(ranked_documents([c.chunk.document_id for c in found])[:DEPTH], collection.gains[number]))
    return summarise(mode, rows, latencies, build_ms)


def score(ranked: list[str], gains: dict[str, float]) -> dict[str, float]:
    relevant = set(gains)
    return {"ndcg_at_10": ndcg_at_k(ranked, gains, 10), "recall_at_10": recall_at_k(ranked, relevant, 10),
            "recall_at_100": recall_at_k(ranked, relevant, 100), "mrr": reciprocal_rank(ranked, relevant)}


def summarise(mode: Mode, rows: list[dict], latencies: list[float], build_ms: float) -> dict:
    means = {metric: round(sum(row[metric] for row in rows) / len(rows), 4) for metric in rows[0]}
    return {"mode": mode.name, **means, "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "bm25_build_ms": round(build_ms, 1), "queries": len(rows),
            "config": {"retrieval": asdict(mode.retrieval), "bm25": asdict(mode.bm25), "rrf_k": mode.rrf_k}}


def print_table(results: list[dict], ingest_stats: dict) -> None:
    header = f"{'mode':30} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR':>7} {'p50 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['mode']:30} {r['ndcg_at_10']:8.4f} {r['recall_at_10']:7.4f} {r['recall_at_100']:7.4f} "
              f"{r['mrr']:7.4f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f}")
    print(f"ingest: {ingest_stats['documents']} documents, {ingest_stats['chunks']} chunks in {ingest_stats['seconds']} s "
          f"= {ingest_stats['chunks_per_s']} chunks/s (chunk, embed, upsert into embedded Chroma)")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "cranfield", help="Cranfield folder.")
    parser.add_argument("--limit", type=int, default=None, help="Index only the first N documents (quick run).")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench" / "retrieval.json", help="JSON results.")
    parser.add_argument("--chunk-tokens", type=int, default=ChunkingConfig().chunk_tokens, help="Chunk size in tokens.")
    parser.add_argument("--overlap-tokens", type=int, default=ChunkingConfig().overlap_tokens, help="Chunk overlap.")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    from libs.stores.chunk_index import open_chunk_index  # chromadb is heavy: imported when the bench runs

    collection, counter = load(args.data, args.limit), MiniLmTokenCounter()
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as folder:
        store = open_chunk_index(ChromaSettings(path=Path(folder), collection="cranfield"))
        ingest_stats = ingest(collection, store, counter, ChunkingConfig(args.chunk_tokens, args.overlap_tokens))
        results = [evaluate(mode, store, counter, collection) for mode in MODES]
    print_table(results, ingest_stats)
    report = {"collection": {"documents": len(collection.documents), "queries": len(collection.queries),
                             "limit": args.limit}, "ingest": ingest_stats, "modes": results,
              "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
