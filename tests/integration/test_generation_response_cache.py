"""The draft cache in the real PostgreSQL: a second identical request is served from it at no cost by a fresh
generate process (it survives a restart); another tenant or prompt version misses; an expired draft misses and
is purged. Generate runs its service functions against the fake Anthropic server, no broker needed."""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from libs.models.prompt_files import PROMPTS_DIR
from libs.stores.postgres import open_pool
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.generation import context_for, model_settings
from libs.testing.support import TEST_DATABASE_URL
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import attach_database, build_deps

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What is the hotel cap per night?"
ONE_REQUEST = """
import asyncio, json, sys
from libs.stores.postgres import open_pool
from libs.testing.generation import context_for
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import attach_database, build_deps

async def main(question, tenant):
    settings = GenerateSettings()
    deps, pool = build_deps(settings), await open_pool(settings.database_url)
    attach_database(deps, pool, settings)
    generated = await service.generate(context_for(question, tenant=tenant), deps)
    await pool.close()
    info = generated.info
    print(json.dumps({"cache_hit": info.cache_hit, "cost_usd": generated.draft.cost_usd, "rung": info.rung,
                      "answer": generated.draft.answer, "prompt": [info.prompt_variant, info.prompt_version]}))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.fixture
async def pool():
    opened = await open_pool(TEST_DATABASE_URL)
    yield opened
    await opened.close()


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def generate_in_a_fresh_process(fake: FakeAnthropic, question: str, tenant: str) -> dict:
    env = {**os.environ, "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.base_url, "CACHE_STORE": "postgres",
           "DATABASE_URL": TEST_DATABASE_URL, "TENANT_DAILY_BUDGET_USD": "off"}
    done = subprocess.run([sys.executable, "-c", ONE_REQUEST, question, tenant], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def postgres_deps(fake: FakeAnthropic, pool, **overrides):
    settings = GenerateSettings(**model_settings(fake.base_url, cache_store="postgres", **overrides))
    deps = build_deps(settings)
    attach_database(deps, pool, settings)
    return deps


async def test_a_repeated_request_is_a_hit_at_no_cost_from_a_fresh_generate_process(fake, pool, tenant):
    first = await asyncio.to_thread(generate_in_a_fresh_process, fake, QUESTION, tenant)
    calls = fake.stats()["calls"]
    again = await asyncio.to_thread(generate_in_a_fresh_process, fake, "what is the hotel cap per night", tenant)
    assert (first["cache_hit"], first["rung"], first["cost_usd"] > 0) == (False, "primary", True)
    assert (again["cache_hit"], again["rung"], again["cost_usd"]) == (True, "primary", 0.0)
    assert again["answer"] == first["answer"] and again["prompt"] == first["prompt"] == ["default", 1]
    assert fake.stats()["calls"] == calls  # the model was not asked again
    rows = await pool.fetch("SELECT cache_hit, cost_usd FROM cost_ledger WHERE tenant = $1 ORDER BY entry_id", tenant)
    assert [(r["cache_hit"], float(r["cost_usd"]) > 0) for r in rows] == [(False, True), (True, False)]
    stored = await pool.fetch("SELECT prompt, model FROM response_cache WHERE tenant = $1", tenant)
    assert [(r["prompt"], r["model"]) for r in stored] == [("default@v1", "claude-sonnet-5-5")]


async def test_another_tenant_or_prompt_version_misses(fake, pool, tenant, tmp_path):
    deps = postgres_deps(fake, pool)
    assert not (await service.generate(context_for(QUESTION, tenant=tenant), deps)).info.cache_hit
    assert (await service.generate(context_for(QUESTION, tenant=tenant), deps)).info.cache_hit
    assert not (await service.generate(context_for(QUESTION, tenant=f"{tenant}-other"), deps)).info.cache_hit
    text = (PROMPTS_DIR / "default.yaml").read_text(encoding="utf-8")
    (tmp_path / "default.yaml").write_text(text.replace("version: 1", "version: 2"), encoding="utf-8")
    bumped = await service.generate(context_for(QUESTION, tenant=tenant), postgres_deps(fake, pool, prompts_dir=tmp_path))
    assert (bumped.info.cache_hit, bumped.info.prompt_version) == (False, 2)


async def test_an_expired_draft_misses_and_is_purged(fake, pool, tenant):
    deps = postgres_deps(fake, pool, cache_ttl_s=0.5)
    await service.generate(context_for(QUESTION, tenant=tenant), deps)
    assert (await service.generate(context_for(QUESTION, tenant=tenant), deps)).info.cache_hit
    await asyncio.sleep(0.7)
    assert not (await service.generate(context_for(QUESTION, tenant=tenant), deps)).info.cache_hit  # and stored anew
    await asyncio.sleep(0.7)
    assert await deps.cache.store.purge_expired() >= 1
    assert await pool.fetchval("SELECT count(*) FROM response_cache WHERE tenant = $1", tenant) == 0


async def test_an_unreachable_cache_is_a_miss_not_a_failure(fake, pool, tenant):
    deps = postgres_deps(fake, pool)
    await pool.close()  # every cache and ledger call now fails
    generated = await service.generate(context_for(QUESTION, tenant=tenant), deps)
    assert (generated.info.rung, generated.info.cache_hit) == ("primary", False) and generated.draft.answer
