"""A Messages API server of our own, so the real `anthropic` SDK can be tested without the network.

It answers POST /v1/messages from the numbered sources in the prompt (see `fake_answers`), judge requests
with a JSON verdict (see `fake_judge`), thinks first and refuses settings per model generation like the
API (see `fake_model_rules`), and can be told to misbehave: 429 with `retry-after`, 529, 500,
slow answers, hangs, malformed bodies, prose where JSON was asked for — for the next N
calls or at a rate, for every model or one (`fake_faults`). Faults are set with `FakeAnthropic.inject` or over HTTP:

    POST   /admin/faults  {"kind": "overloaded", "count": 3, "model": "claude-sonnet-5-5"}
    DELETE /admin/faults
    GET    /admin/stats

Run it alone: `python -m libs.testing.fake_anthropic --port 19400 --fault-rate 0.3`.
"""

import threading

import uvicorn

from libs.testing.fake_faults import Fault, FaultPlan, mixed_faults
from libs.testing.fake_judge import FakeJudge
from libs.testing.fake_messages_app import FakeAnthropicApp


class FakeAnthropic:
    """The fake server on a loopback port, in a background thread: `with FakeAnthropic() as fake: fake.base_url`."""

    def __init__(self, port: int = 0, seed: int = 0, context_window: int = 200_000, judge_noise: float = 0.0) -> None:
        self.app = FakeAnthropicApp(FaultPlan(seed), context_window, FakeJudge(judge_noise, seed))
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
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
        return self.app.snapshot()

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
    args = parser.parse_args(argv)
    fake = FakeAnthropicApp(FaultPlan(args.seed), args.context_window, FakeJudge(args.judge_noise, args.seed))
    for fault in mixed_faults(args.fault_rate) if args.fault_rate else []:
        fake.plan.add(fault)
    print(f"fake Anthropic on http://127.0.0.1:{args.port} (fault rate {args.fault_rate})", flush=True)
    uvicorn.run(fake, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
