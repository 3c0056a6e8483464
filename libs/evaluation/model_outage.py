"""The eval's api_failure cases: the generate service talks to a model API that fails every call.

For the length of one case, the local stack's generate service is restarted against the project's fake
Messages API with a fault on every call (`Fault(kind)`, every model), then restarted as it was. The case
passes only if the answer still comes, from a lower rung of the fallback ladder, marked as such.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from libs.devstack.stack import LocalStack
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault

Outage = Callable[[str], AbstractAsyncContextManager[FakeAnthropic]]
FAST_LADDER = {"RETRY_INITIAL_BACKOFF_S": "0.05", "RETRY_MAX_BACKOFF_S": "0.2"}


def stack_outage(stack: LocalStack) -> Outage:
    @asynccontextmanager
    async def outage(kind: str) -> AsyncIterator[FakeAnthropic]:
        with FakeAnthropic() as fake:
            fake.inject(Fault(kind))
            env = {"ANTHROPIC_API_KEY": "eval-model-outage", "ANTHROPIC_BASE_URL": fake.base_url, **FAST_LADDER,
                   "CACHE_STORE": "memory"}  # an empty cache: a draft cached in PostgreSQL earlier would hide the outage
            await asyncio.to_thread(stack.restart_service, "generate", env)
            try:
                yield fake
            finally:
                await asyncio.to_thread(stack.restart_service, "generate")

    return outage
