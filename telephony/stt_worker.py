"""A recognition worker process: Vosk apart from the gateway.

A crash inside libvosk (a native bug, memory corruption) ends this process only: the gateway
moves its calls to another worker and the callers whose words were in flight are asked to
repeat (`telephony.stt_workers`). Inside, recognition runs as it would in the gateway
(`telephony.stt_vosk`: one model, warm pooled recognizers, feeding threads at a lower CPU
priority, separate finishing threads), driven by the frames of `telephony.stt_protocol` on
stdin, answered on stdout.

Each call's requests are served in order by one task, so its recognizer is never asked two
things at once; closing a call waits for its last request. The process stops when stdin closes:
the gateway stopped it, or died (nothing else holds the pipe's other end), so no worker outlives
its gateway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import IO

from telephony.stt_protocol import Frame, Op, encode, encode_update, read_frame
from telephony.stt_vosk import VoskEngine, VoskParams, VoskRecognition

_LOGGER = logging.getLogger("telephony.stt_worker")


def worker_arguments(model: Path, params: VoskParams) -> list[str]:
    """The command-line arguments `main` reads back."""
    return [str(model), json.dumps(asdict(params))]


class _Worker:
    def __init__(self, engine: VoskEngine, output: IO[bytes]) -> None:
        self._engine = engine
        self._output = output
        self._write_lock = threading.Lock()
        self._calls: dict[int, asyncio.Queue[Frame]] = {}
        self._tasks: set[asyncio.Future[None]] = set()

    def send(self, op: Op, call: int = 0, request: int = 0, payload: bytes = b"") -> None:
        with self._write_lock:
            self._output.write(encode(op, call, request, payload))
            self._output.flush()

    async def run(self, source: IO[bytes]) -> None:
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[Frame | None] = asyncio.Queue()

        def read() -> None:
            while True:
                frame = read_frame(source)
                loop.call_soon_threadsafe(inbox.put_nowait, frame)
                if frame is None:
                    return

        threading.Thread(target=read, name="pipe-reader", daemon=True).start()
        self.send(Op.READY, payload=json.dumps({"pid": os.getpid()}).encode())
        while (frame := await inbox.get()) is not None:
            self._dispatch(frame)

    def _spawn(self, task: asyncio.Future[None]) -> None:
        # Kept referenced until done: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dispatch(self, frame: Frame) -> None:
        if frame.op is Op.OPEN:
            queue: asyncio.Queue[Frame] = asyncio.Queue()
            self._calls[frame.call] = queue
            self._spawn(asyncio.create_task(self._serve_call(frame.call, queue)))
        elif frame.op is Op.WARM:
            count = int.from_bytes(frame.payload[:4], "little")
            speech = frame.payload[4:]
            self._engine.prewarm_in_background(count, speech)
        elif frame.call in self._calls:
            self._calls[frame.call].put_nowait(frame)
        elif frame.op is not Op.CLOSE:
            self.send(Op.FAILED, frame.call, frame.request, b"unknown call")

    async def _serve_call(self, call: int, queue: asyncio.Queue[Frame]) -> None:
        recognizer: VoskRecognition | None = None
        try:
            recognizer = await self._engine.open()
            while (frame := await queue.get()).op is not Op.CLOSE:
                await self._answer(recognizer, frame)
        finally:
            self._calls.pop(call, None)
            if recognizer is not None:
                await recognizer.close()

    async def _answer(self, recognizer: VoskRecognition, frame: Frame) -> None:
        try:
            if frame.op in (Op.FEED, Op.CATCH_UP):
                if frame.op is Op.FEED:
                    update = await recognizer.feed(frame.payload)
                else:
                    update = await recognizer.catch_up(frame.payload)
                payload = b"" if update is None else encode_update(update.partial, update.final)
                self.send(Op.UPDATE, frame.call, frame.request, payload)
            elif frame.op is Op.FINISH:
                text = await recognizer.finish(frame.payload)
                self.send(Op.TEXT, frame.call, frame.request, text.encode())
        except Exception as exc:  # one request failed; the call and the worker go on
            _LOGGER.exception("recognition request failed")
            self.send(Op.FAILED, frame.call, frame.request, repr(exc).encode())


class _JsonLines(logging.Formatter):
    """One JSON object per line, like the gateway's own log (`core.logs`), which this process
    does not import. Nothing the caller said is ever logged here."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"level": record.levelname, "logger": record.name, "msg": record.getMessage(),
                "pid": os.getpid()}
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def main(argv: list[str]) -> int:
    """Serve recognition on stdin/stdout until stdin closes (see the module docstring)."""
    # Ctrl-C in a terminal reaches the whole process group: the gateway stops us by closing
    # the pipe once its calls are over, so the interrupt is not ours to act on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    model, params = Path(argv[0]), VoskParams(**json.loads(argv[1]))
    engine = VoskEngine(model, params)
    output = sys.stdout.buffer
    # Nothing else may write to the pipe the frames go through.
    sys.stdout = sys.stderr
    asyncio.run(_Worker(engine, output).run(sys.stdin.buffer))
    engine.shutdown()
    started = engine.load.started
    if len(engine.searches) > 1:  # how often the load asked for the tight search
        _LOGGER.info("utterances by search: %s", ", ".join(f"{s} {n}" for s, n in started.items()))
    return 0
