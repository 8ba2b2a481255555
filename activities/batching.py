"""Micro-batching of concurrent activity calls in one worker process (issue 7: insertions that
arrive together are solved together).

Activity threads :meth:`MicroBatcher.submit` a request under a key (the work order id) and wait
on the returned future. One daemon thread per batcher takes the first waiting request, waits
``window_seconds`` more for others (or until ``max_batch`` are waiting), then hands every waiting
request to ``solve`` in one call. Requests that arrive while a batch is being solved wait for the
next one, so under a burst the batches grow by themselves.

Guarantees: each submitted request's future is resolved exactly once, with its own key's answer:
``solve`` returns a mapping key → result or exception; a key it leaves out gets a RuntimeError,
and when ``solve`` raises, every request of that batch gets that exception (the activity fails
and Temporal retries it; nothing is lost). Requests with the same key in one batch are solved
once and share the answer. Across worker processes the batches are serialised by the caller
(the insertion activity takes the assignment advisory lock), never here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Q = TypeVar("Q")
R = TypeVar("R")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchStats:
    """Counters of a batcher since it started: batches solved, requests answered, largest batch."""

    batches: int
    requests: int
    largest: int


@dataclass
class _Waiting(Generic[Q, R]):
    key: str
    request: Q
    future: Future[R] = field(default_factory=Future)


class MicroBatcher(Generic[Q, R]):
    """Collects requests for ``window_seconds`` (at most ``max_batch`` per batch) and solves them
    with one call of ``solve(requests) -> {key: result | exception}``; see the module docstring."""

    def __init__(
        self,
        solve: Callable[[Sequence[tuple[str, Q]]], Mapping[str, R | BaseException]],
        *,
        window_seconds: float = 0.05,
        max_batch: int = 500,
        name: str = "batcher",
    ) -> None:
        if window_seconds < 0 or max_batch < 1:
            raise ValueError("window_seconds must be >= 0 and max_batch >= 1")
        self._solve = solve
        self._window = window_seconds
        self._max = max_batch
        self._name = name
        self._cond = threading.Condition()
        self._waiting: list[_Waiting[Q, R]] = []
        self._thread: threading.Thread | None = None
        self._batches = self._requests = self._largest = 0

    def submit(self, key: str, request: Q) -> Future[R]:
        """Queue ``request`` under ``key``; the future resolves with its answer (or exception)."""
        item: _Waiting[Q, R] = _Waiting(key, request)
        with self._cond:
            self._waiting.append(item)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return item.future

    @property
    def stats(self) -> BatchStats:
        """Batches, requests and the largest batch so far."""
        with self._cond:
            return BatchStats(self._batches, self._requests, self._largest)

    def _take(self) -> list[_Waiting[Q, R]]:
        with self._cond:
            while not self._waiting:
                self._cond.wait()
            deadline = time.monotonic() + self._window
            while len(self._waiting) < self._max and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take()
            unique: dict[str, Q] = {}
            for item in batch:
                unique.setdefault(item.key, item.request)
            try:
                answers: Mapping[str, R | BaseException] = self._solve(list(unique.items()))
            except Exception as err:
                log.warning("%s: a batch of %d failed: %s", self._name, len(unique), err)
                answers = {key: err for key in unique}
            for item in batch:
                answer = answers.get(item.key)
                if answer is None:
                    item.future.set_exception(RuntimeError(f"the batch gave no answer for {item.key}"))
                elif isinstance(answer, BaseException):
                    item.future.set_exception(answer)
                else:
                    item.future.set_result(answer)
            with self._cond:
                self._batches += 1
                self._requests += len(batch)
                self._largest = max(self._largest, len(batch))
