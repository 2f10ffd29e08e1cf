"""A live source for browser tests: a growing recording fed by `wallboard replay --follow`.

Frames are the recorded fixtures (tests/fixtures/realtime) with fresh `servertime`s and
the test's own agents, so the app runs exactly as it would on a recorded stream.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from tests.conftest import realtime

__all__ = ["Feed"]


def _fixture(prefix: str) -> list[Any]:
    frame: list[Any] = json.loads(realtime(prefix))
    return frame


class Feed:
    """Appends wire frames to a recording file, stamped with the current time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("", encoding="utf-8")
        self._ext_template = _fixture("02")[1]["extensions"][1]
        self._status_template = _fixture("14")
        self._call_template = _fixture("06")

    def _write(self, frame: list[Any]) -> None:
        line = json.dumps({"t": round(time.time(), 3), "event": frame}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def login(self, queues: dict[int, str], waiting: dict[int, list[tuple[str, int]]]) -> None:
        """loginStatus with these queues and callers waiting (number, seconds ago)."""
        frame = _fixture("01")
        now = int(time.time())
        body = frame[1]
        body["servertime"] = now
        body["queues"] = [
            {
                "QueueID": qid,
                "QueueName": name,
                "Calls": [
                    {
                        "CallerID": number,
                        "CallerName": "",
                        "IvrUniqueID": f"ivr-{qid}-{i}",
                        "JoinTimeStamp": now - ago,
                        "ivrid": f"ivr-{qid}-{i}",
                    }
                    for i, (number, ago) in enumerate(waiting.get(qid, []))
                ],
            }
            for qid, name in queues.items()
        ]
        self._write(frame)

    def _ext(self, ext: int, name: str, status: int, since_ago: int = 0) -> dict[str, Any]:
        e: dict[str, Any] = copy.deepcopy(self._ext_template)
        now = int(time.time())
        e.update(
            {
                "userID": ext,
                "userName": name,
                "number": ext,
                "onlineUserID": ext,
                "extenUser": f"SIP{ext}",
                "summery": {"representative": name},
                "representative": ext,
                "representativeStatus": status,
                "representativeUpdated": (now - since_ago) * 1000,
                "lastCallEventEpoch": now - 3600,
                "lastAnsweredCallEventEpoch": now - 3600,
                "calls": [],
            }
        )
        return e

    def agents(self, agents: list[tuple[int, str, int, int]]) -> None:
        """AllExtensionsStatus: (extension, name, status code, seconds in status)."""
        frame = _fixture("02")
        frame[1]["servertime"] = int(time.time())
        frame[1]["extensions"] = [self._ext(x, n, s, ago) for x, n, s, ago in agents]
        self._write(frame)

    def status(self, ext: int, name: str, status: int) -> None:
        """ExtensionEvent userStatusUpdate: the agent changed status now."""
        frame = copy.deepcopy(self._status_template)
        now = int(time.time())
        frame[1]["servertime"] = now
        data = self._ext(ext, name, status)
        data.pop("representativeUpdated", None)
        data["representativeUpdated"] = now * 1000
        frame[1]["data"] = data
        self._write(frame)

    def ringing(self, ext: int, name: str, caller: str, queue_id: int | None = None) -> None:
        """ExtensionEvent NEWCALL: an incoming call rings this agent now."""
        frame = copy.deepcopy(self._call_template)
        now = int(time.time())
        d = frame[1]["data"]
        base = self._ext(ext, name, 1)
        call = copy.deepcopy(d["currentCall"])
        call.update(
            {
                "callStarted": now,
                "calldurationinterval": now,
                "callerphone": caller,
                "ivrid": f"call-{ext}-{now}",
            }
        )
        if queue_id is not None:
            call["queueID"] = queue_id
        base.update({"calls": [call], "currentCall": call})
        d.update(base)
        d["servertime"] = now
        self._write(frame)

    def queue_call(
        self, queue_id: int, name: str, call_id: str, joined: int, left: int, *, answered: bool
    ) -> None:
        """QueueEvent JOIN at `joined`, then EXIT (answered) or ABANDONED at `left` (server
        times, epoch seconds)."""
        template = _fixture("03")
        for reason, at, calls in (
            ("JOIN", joined, [call_id]),
            ("EXIT" if answered else "ABANDONED", left, []),
        ):
            frame = copy.deepcopy(template)
            body = frame[1]
            body.update(reason=reason, servertime=at, telephonyservertime=at, ivruniqueid=call_id)
            body["data"] = {
                "QueueID": queue_id,
                "QueueName": name,
                "Calls": [
                    {
                        "CallerID": "0501234567",
                        "CallerName": "",
                        "IvrUniqueID": c,
                        "JoinTimeStamp": joined,
                        "calldurationinterval": joined,
                        "ivrid": c,
                    }
                    for c in calls
                ],
            }
            self._write(frame)
