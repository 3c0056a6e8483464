"""The fake Messages API as a plain ASGI app: routes, faults, call statistics (served by `fake_anthropic`)."""

import asyncio
import json
import threading
from collections import deque
from dataclasses import asdict

from libs.testing.fake_answers import answer_message, prompt_text, too_long_error
from libs.testing.fake_faults import ERROR_STATUS, Fault, FaultPlan
from libs.testing.fake_judge import FakeJudge, is_judge_request
from libs.testing.fake_model_rules import refusal

Scope = dict
HANG_LIMIT_S = 120.0
OFF_FORMAT_TEXT = "I would rate this answer as mostly faithful, though one claim is unclear."


class FakeAnthropicApp:
    """The ASGI app: routes, fault handling and call statistics."""

    def __init__(self, plan: FaultPlan, context_window: int = 200_000, judge: FakeJudge | None = None) -> None:
        self.plan = plan
        self.context_window = context_window
        self.judge = judge or FakeJudge()
        self.stats: dict[str, dict[str, int]] = {"outcomes": {}, "models": {}}
        self.requests: deque[dict] = deque(maxlen=100)  # the latest request bodies, for assertions
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        route = (scope["method"], scope["path"])
        if route == ("POST", "/v1/messages"):
            await self.messages(json.loads(body or b"{}"), receive, send)
        elif route == ("POST", "/admin/faults"):
            self.plan.add(Fault(**json.loads(body)))
            await send_json(send, 200, {"faults": [asdict(f) for f in self.plan.faults()]})
        elif route == ("DELETE", "/admin/faults"):
            self.plan.clear()
            await send_json(send, 200, {"faults": []})
        elif route == ("GET", "/admin/stats"):
            await send_json(send, 200, self.snapshot())
        else:
            await send_json(send, 404, error_body("not_found_error", f"no route {scope['path']}"))

    async def messages(self, request: dict, receive, send) -> None:
        model = str(request.get("model", ""))
        self.requests.append(request)
        if problem := refusal(request):  # checked before any fault, as the API validates first
            self.count(model, "invalid_request")
            await send_json(send, 400, error_body("invalid_request_error", problem))
            return
        fault = self.plan.pick(model)
        if fault is None or fault.kind == "slow":
            await asyncio.sleep(fault.delay_s if fault else 0)
            await self.answer(request, send, "slow" if fault else "ok")
            return
        self.count(model, fault.kind)
        if fault.kind in ERROR_STATUS:
            await send_error(send, fault)
        elif fault.kind == "hang":
            await wait_for_disconnect(receive)
        elif fault.kind == "malformed":  # cut off mid-body
            await send_raw(send, 200, b'{"id": "msg_fake", "type": "message", "content": [{"type": "te')
        elif fault.kind == "off_format":  # a well-formed message that ignores the format it was asked for
            await send_json(send, 200, answer_message(request, OFF_FORMAT_TEXT))
        else:  # missing_fields: valid JSON that is not a message
            await send_json(send, 200, {"id": "msg_fake", "type": "message", "role": "assistant"})

    async def answer(self, request: dict, send, outcome: str) -> None:
        verdict = self.judge.verdict(prompt_text(request)) if is_judge_request(request) else None
        message = answer_message(request, verdict)
        too_long = message["usage"]["input_tokens"] > self.context_window
        self.count(str(request.get("model", "")), "too_long" if too_long else outcome)
        if too_long:
            await send_json(send, 400, too_long_error(message["usage"]["input_tokens"], self.context_window))
        else:
            await send_json(send, 200, message)

    def count(self, model: str, outcome: str) -> None:
        with self._lock:
            self.stats["outcomes"][outcome] = self.stats["outcomes"].get(outcome, 0) + 1
            self.stats["models"][model] = self.stats["models"].get(model, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"outcomes": dict(self.stats["outcomes"]), "models": dict(self.stats["models"]),
                    "calls": sum(self.stats["models"].values())}


async def read_body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def wait_for_disconnect(receive) -> None:
    """Hang: answer nothing until the client gives up (or the limit passes)."""
    try:
        async with asyncio.timeout(HANG_LIMIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass


def error_body(kind: str, message: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": message}}


async def send_error(send, fault: Fault) -> None:
    status, kind = ERROR_STATUS[fault.kind]
    headers = [(b"retry-after", str(fault.retry_after_s).encode())] if fault.kind == "rate_limit" else []
    await send_json(send, status, error_body(kind, f"fake {fault.kind}"), headers)


async def send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    await send_raw(send, status, json.dumps(body).encode(), headers)


async def send_raw(send, status: int, payload: bytes, headers: list | None = None) -> None:
    base = [(b"content-type", b"application/json"), (b"request-id", b"req_fake")]
    await send({"type": "http.response.start", "status": status, "headers": base + (headers or [])})
    await send({"type": "http.response.body", "body": payload})
