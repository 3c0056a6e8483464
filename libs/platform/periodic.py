"""A background chore run every N seconds inside a service (consumer lag, retention purge).

A failing run is logged and tried again at the next tick; it never stops the service or the chore.
"""

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class Periodic:
    def __init__(self, name: str, run: Callable[[], Awaitable[object]], interval_s: float) -> None:
        self.name = name
        self._run = run
        self._interval_s = interval_s
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Start ticking (the first run at once); an interval of 0 or less means the chore is off."""
        if self._interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_once(self) -> None:
        try:
            await self._run()
        except Exception as error:
            log.warning("periodic task failed", task=self.name, error=repr(error)[:300])

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self._interval_s)
