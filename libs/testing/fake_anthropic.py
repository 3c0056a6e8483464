"""A Messages API server of our own, so the real `anthropic` SDK can be tested without the network.

It answers POST /v1/messages from the numbered sources in the prompt (see `fake_answers`), judge requests
with a JSON verdict (see `fake_judge`), thinks first and refuses settings per model generation like the
API (see `fake_model_rules`), and can be told to misbehave: 429 with `retry-after`, 529, 500,
slow answers, hangs, malformed bodies, prose where JSON was asked for — for the next N
calls or at a rate, for every model or one (`fake_faults`). Faults are set with `FakeAnthropic.inject` or over HTTP:

    POST   /admin/faults  {"kind": "overloaded", "count": 3, "model": "claude-sonnet-5-5"}
    DELETE /admin/faults
    GET    /admin/stats
    GET    /admin/usage   the usage it reported, totalled per model

The usage totals are read off the messages it actually sent (`UsageMeter`): a body cut short or an error
reports no usage and adds nothing, a reply cut at `max_tokens` adds what it billed. So a test can check the
cost ledger against what the "API" billed. With `prompt_cache=True` it reports the system prompt as a cached
prefix, as the API does when the system block is marked `cache_control`: the first request per model and
system prompt writes it (`cache_creation_input_tokens`), later ones read it (`cache_read_input_tokens`), and
`input_tokens` is the rest.

Run it alone: `python -m libs.testing.fake_anthropic --port 19400 --fault-rate 0.3`.
"""

import json
import threading

import uvicorn

from libs.testing.fake_answers import text_of
from libs.testing.fake_faults import Fault, FaultPlan, mixed_faults
from libs.testing.fake_judge import FakeJudge
from libs.testing.fake_messages_app import FakeAnthropicApp, read_body, send_json
from libs.testing.fake_model_rules import count_tokens

USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
MESSAGES = ("POST", "/v1/messages")


class UsageMeter:
    """ASGI wrapper of the Messages app: totals the `usage` of every message it sends, per model, and can report
    the system prompt as a cached prefix."""

    def __init__(self, app: FakeAnthropicApp, prompt_cache: bool = False) -> None:
        self.app = app
        self.prompt_cache = prompt_cache
        self._cached: set[tuple[str, str]] = set()
        self._totals: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        route = (scope.get("method"), scope.get("path"))
        if scope["type"] == "http" and route == ("GET", "/admin/usage"):
            await read_body(receive)
            await send_json(send, 200, self.totals())
        elif scope["type"] == "http" and route == MESSAGES:
            await self.messages(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def messages(self, scope, receive, send) -> None:
        body = await read_body(receive)
        request, replayed = json.loads(body or b"{}"), False
        status = [0]

        async def replay():  # the app reads the body again; after that, disconnects come through (hangs)
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def metered(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and status[0] == 200:
                message = {**message, "body": self.meter(request, message.get("body", b""))}
            await send(message)

        await self.app(scope, replay, metered)

    def meter(self, request: dict, payload: bytes) -> bytes:
        try:
            message = json.loads(payload)
        except ValueError:  # a body cut short: no usage reported, none billed as far as anyone can tell
            return payload
        usage = message.get("usage") if isinstance(message, dict) else None
        if not isinstance(usage, dict):
            return payload
        model = str(request.get("model", ""))
        if self.prompt_cache:
            usage.update(self.cached_prefix(model, request, usage["input_tokens"]))
        with self._lock:
            total = self._totals.setdefault(model, dict.fromkeys((*USAGE_FIELDS, "messages"), 0))
            for name in USAGE_FIELDS:
                total[name] += usage.get(name) or 0
            total["messages"] += 1
        return json.dumps(message).encode()

    def cached_prefix(self, model: str, request: dict, input_tokens: int) -> dict:
        system = text_of(request.get("system", ""))
        prefix = min(count_tokens(system, model), input_tokens)
        with self._lock:
            seen = (model, system) in self._cached
            self._cached.add((model, system))
        return {"input_tokens": input_tokens - prefix, "cache_creation_input_tokens": 0 if seen else prefix,
                "cache_read_input_tokens": prefix if seen else 0}

    def totals(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {model: dict(total) for model, total in self._totals.items()}


class FakeAnthropic:
    """The fake server on a loopback port, in a background thread: `with FakeAnthropic() as fake: fake.base_url`."""

    def __init__(self, port: int = 0, seed: int = 0, context_window: int = 200_000, judge_noise: float = 0.0,
                 prompt_cache: bool = False) -> None:
        self.app = FakeAnthropicApp(FaultPlan(seed), context_window, FakeJudge(judge_noise, seed))
        self.meter = UsageMeter(self.app, prompt_cache)
        config = uvicorn.Config(self.meter, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-anthropic", daemon=True)

    @property
    def port(self) -> int:
        return self._server.servers[0].sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeAnthropic":
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("fake Anthropic server did not start")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def inject(self, fault: Fault) -> None:
        self.app.plan.add(fault)

    def clear_faults(self) -> None:
        self.app.plan.clear()

    def stats(self) -> dict:
        return self.app.snapshot() | {"usage": self.usage()}

    def usage(self) -> dict[str, dict[str, int]]:
        """Per model: the usage fields of every message sent, summed, and how many messages reported usage."""
        return self.meter.totals()

    def last_request(self) -> dict:
        return self.app.requests[-1]

    def __enter__(self) -> "FakeAnthropic":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Fake Anthropic Messages API on loopback.")
    parser.add_argument("--port", type=int, default=19400)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of calls spoiled by mixed faults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--context-window", type=int, default=200_000)
    parser.add_argument("--judge-noise", type=float, default=0.0, help="± noise on judge verdicts, so repeats differ")
    parser.add_argument("--prompt-cache", action="store_true", help="report the system prompt as a cached prefix")
    args = parser.parse_args(argv)
    fake = FakeAnthropicApp(FaultPlan(args.seed), args.context_window, FakeJudge(args.judge_noise, args.seed))
    for fault in mixed_faults(args.fault_rate) if args.fault_rate else []:
        fake.plan.add(fault)
    print(f"fake Anthropic on http://127.0.0.1:{args.port} (fault rate {args.fault_rate})", flush=True)
    uvicorn.run(UsageMeter(fake, args.prompt_cache), host="127.0.0.1", port=args.port, log_level="warning",
                lifespan="off")


if __name__ == "__main__":
    main()
