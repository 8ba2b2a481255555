"""``fieldops dev``/``demo``'s supervisor loop (cli._run_stack) with a stand-in stack: a stop
signal or a failure always ends in ``Stack.stop()``, a failure in one line, never a traceback."""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

import cli
import devstack.demo_day
import devstack.services
from config import Settings
from devstack.demo_day import DayRunner, DemoFailed


class FakeStack:
    """Records what the supervisor asked for; ``hooks`` make a step fail or signal."""

    hooks: dict = {}  # set per test
    last: FakeStack | None = None

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.calls: list[str] = []
        FakeStack.last = self

    @property
    def log_dir(self) -> Path:
        return self.settings.state_dir / "logs"

    def _step(self, name: str) -> None:
        self.calls.append(name)
        if hook := self.hooks.get(name):
            hook()

    def claim(self) -> list[str]:
        self._step("claim")
        return []

    def start_postgres(self) -> str:
        self._step("start_postgres")
        return "postgresql://unused/"

    def start_temporal(self) -> None:
        self._step("start_temporal")

    def apply_schedules(self) -> str:
        self._step("apply_schedules")
        return "schedules: 0 created, 0 updated, 0 deleted"

    def start_workers(self) -> None:
        self._step("start_workers")

    def start_api(self) -> None:
        self._step("start_api")

    def supervise_once(self) -> list:
        self._step("supervise_once")
        return []

    def stop(self) -> None:
        self.calls.append("stop")


class Sentinel(Exception):
    """Raised by the test's own SIGTERM/SIGHUP handler: the supervisor did not install one."""


@pytest.fixture
def fake_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeStack]]:
    FakeStack.hooks = {}
    monkeypatch.setattr(devstack.services, "Stack", FakeStack)
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(state_dir=tmp_path))
    monkeypatch.setattr(devstack.demo_day, "run_demo", lambda *a, **k: FakeStack.last._step("run_demo") or 0)

    def not_ours(*_: object) -> None:
        raise Sentinel

    previous = {sig: signal.signal(sig, not_ours) for sig in (signal.SIGTERM, signal.SIGHUP)}
    yield FakeStack
    for sig, handler in previous.items():
        assert signal.getsignal(sig) is not_ours, "the supervisor did not restore the handler"
        signal.signal(sig, handler)


def send(signum: int):
    return lambda: os.kill(os.getpid(), signum)


def test_sigterm_while_running_stops_the_stack(fake_stack: type[FakeStack]) -> None:
    fake_stack.hooks = {"supervise_once": send(signal.SIGTERM)}
    code = cli._run_stack(demo=True, exit_after=False)
    assert code == 0
    assert fake_stack.last.calls[-2:] == ["supervise_once", "stop"]


def test_a_child_that_keeps_dying_stops_the_stack_with_its_name(
    fake_stack: type[FakeStack], capsys: pytest.CaptureFixture
) -> None:
    def give_up() -> None:
        raise devstack.services.StackError("worker-main keeps dying: it exited with code 3 after 5 restarts")

    fake_stack.hooks = {"supervise_once": give_up}
    assert cli._run_stack(demo=True, exit_after=False) == 1
    assert "error: worker-main keeps dying" in capsys.readouterr().out
    assert fake_stack.last.calls[-2:] == ["supervise_once", "stop"]


def test_sighup_while_starting_stops_what_was_started(
    fake_stack: type[FakeStack], capsys: pytest.CaptureFixture
) -> None:
    fake_stack.hooks = {"start_temporal": send(signal.SIGHUP)}
    code = cli._run_stack(demo=False, exit_after=False)
    assert code == 128 + signal.SIGHUP
    assert fake_stack.last.calls == ["claim", "start_postgres", "start_temporal", "stop"]
    assert "SIGHUP: stopping" in capsys.readouterr().out


def test_a_failing_demo_is_one_line_and_stops_the_stack(
    fake_stack: type[FakeStack], capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    def crash() -> None:
        raise ConnectionError("API went away\nsecond line of detail")

    fake_stack.hooks = {"run_demo": crash}
    code = cli._run_stack(demo=True, exit_after=True)
    out = capsys.readouterr().out
    assert code == 1 and fake_stack.last.calls[-1] == "stop"
    assert "Traceback" not in out and "second line" not in out
    assert "error: ConnectionError: API went away; details in" in out.replace("\n", "")
    assert "Traceback" in (tmp_path / "logs" / "fieldops.log").read_text()


def test_a_day_that_cannot_be_played_says_why(
    fake_stack: type[FakeStack], capsys: pytest.CaptureFixture
) -> None:
    def refused() -> None:
        raise DemoFailed("the demo day could not be played: none of its 44 repair requests was accepted")

    fake_stack.hooks = {"run_demo": refused}
    assert cli._run_stack(demo=True, exit_after=True) == 1
    out = capsys.readouterr().out
    assert "error: the demo day could not be played" in out and "Traceback" not in out
    assert fake_stack.last.calls[-1] == "stop"


def test_each_demo_run_has_its_own_idempotency_keys() -> None:
    """The plan mix comes from a seeded RNG (same day every run); the keys must not."""
    first = DayRunner("http://127.0.0.1:1", "key", {}, random.Random(11))
    second = DayRunner("http://127.0.0.1:1", "key", {}, random.Random(11))
    assert first.run_id != second.run_id
    assert first.rng.random() == second.rng.random()
