"""docker-compose.yml agrees with the code it deploys (there is no Docker here, so this is the check).

Each check is a small function taking the parsed compose dict and returning a list of problems, so
a test asserts the list is empty and a broken copy of the dict is easy to feed in by hand.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import typer
import yaml

import cli
from config import Settings
from domain.ids import SEARCH_ATTRIBUTES
from worker import QUEUES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"

MIGRATE_SERVICE = "migrate"
SCHEDULES_SERVICE = "schedules"  # one-shot `fieldops schedules apply`
SEARCH_ATTRIBUTE_SERVICE = "temporal-admin-tools"
UI_SERVICE = "temporal-ui"
APP_SERVICES = ("api", "worker", "worker-optimizer")

_CREATE = re.compile(r"temporal operator search-attribute create\b(?P<args>[^\n;&|]*)")
#: What the CLI raises on bad arguments: typer's vendored click errors derive from TyperException.
_CLI_ERRORS: tuple[type[Exception], ...] = tuple(
    error for error in (getattr(typer, "TyperException", None), click.ClickException) if error is not None
)
_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")

Compose = dict[str, Any]


def load_compose(path: Path = COMPOSE_FILE) -> Compose:
    return yaml.safe_load(path.read_text())


def services(compose: Compose) -> dict[str, dict[str, Any]]:
    return compose.get("services") or {}


def argv(value: str | list[str] | None) -> list[str]:
    """A compose ``command``/``entrypoint`` as an argv list (string form is split like compose does)."""
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment in either compose form (mapping or ``KEY=value`` list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def fieldops_commands(compose: Compose) -> dict[str, list[str]]:
    """Service name -> argv for every service whose command starts with ``fieldops``."""
    commands = {name: argv(svc.get("command")) for name, svc in services(compose).items()}
    return {name: args for name, args in commands.items() if args[:1] == ["fieldops"]}


def _resolve(args: list[str]) -> tuple[Any, list[str], list[str]]:
    """Walk ``fieldops a b ...`` down the click tree: (command or None, its path, its own arguments).

    Groups are recognised by their ``.commands`` (typer >= 0.29 vendors click, so they are not
    ``click.Group`` instances).
    """
    command = typer.main.get_command(cli.app)
    path: list[str] = []
    rest = args[1:]
    while getattr(command, "commands", None) is not None:
        if not rest or rest[0] not in command.commands:
            return None, path + rest[:1], rest[1:]
        path.append(rest[0])
        command, rest = command.commands[rest[0]], rest[1:]
    return command, path, rest


def cli_problems(compose: Compose) -> list[str]:
    """Unknown subcommands or options, unparseable values, and ``--queue`` values not in worker.QUEUES."""
    problems: list[str] = []
    for service, args in fieldops_commands(compose).items():
        command, path, rest = _resolve(args)
        where = f"service {service!r} runs {shlex.join(args)!r}:"
        if command is None:
            problems.append(f"{where} 'fieldops {' '.join(path)}' is not a command of cli.app")
            continue
        options = {opt: param for param in command.params for opt in param.opts}
        for index, token in enumerate(rest):
            if not token.startswith("-"):
                continue
            name = token.split("=", 1)[0]
            if name not in options:
                problems.append(f"{where} {name} is not an option of 'fieldops {' '.join(path)}'")
            elif path == ["worker"] and name == "--queue":
                value = token.split("=", 1)[1] if "=" in token else (rest[index + 1 : index + 2] or [""])[0]
                if value not in QUEUES:
                    problems.append(f"{where} --queue {value!r} is not one of worker.QUEUES {QUEUES}")
        try:
            command.make_context(f"fieldops {' '.join(path)}", list(rest))
        except _CLI_ERRORS as err:
            problems.append(f"{where} click rejects it: {err.format_message()}")
    return problems


def settings_env_names() -> set[str]:
    return {f"FIELDOPS_{field.upper()}" for field in Settings.model_fields}


def env_problems(compose: Compose) -> list[str]:
    """``FIELDOPS_*`` variables (on services and in ``x-*`` blocks) that no Settings field reads."""
    known = settings_env_names()
    sources = {f"service {name!r}": environment(svc) for name, svc in services(compose).items()}
    sources |= {
        f"top-level {key!r}": {k: str(v) for k, v in value.items()}
        for key, value in compose.items()
        if key.startswith("x-") and key.endswith("-env") and isinstance(value, dict)
    }
    return [
        f"{where} sets {var}, which is not a field of config.Settings (no such setting)"
        for where, env in sources.items()
        for var in sorted(env)
        if var.startswith("FIELDOPS_") and var not in known
    ]


def interpolate(value: str) -> str:
    """Compose variable interpolation with an empty host environment (``${X:?..}`` gets a stand-in)."""

    def one(match: re.Match[str]) -> str:
        op, arg = match["op"] or "", match["arg"] or ""
        if op.endswith("-"):
            return arg
        if op.endswith("?"):
            return f"compose-test-{match['name'].lower()}"
        return ""

    return _INTERPOLATION.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def search_attribute_commands(compose: Compose) -> list[list[str]]:
    """The argv of every ``temporal operator search-attribute create`` in the admin-tools script."""
    svc = services(compose).get(SEARCH_ATTRIBUTE_SERVICE) or {}
    script = "\n".join(argv(svc.get("entrypoint")) + argv(svc.get("command")))
    return [shlex.split(match["args"]) for match in _CREATE.finditer(script)]


def registered_search_attributes(compose: Compose) -> dict[str, str]:
    """Name -> type registered by the admin-tools service (a repeated name is kept as a list entry)."""
    registered: dict[str, str] = {}
    for args in search_attribute_commands(compose):
        names = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--name"]
        types = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--type"]
        for name, kind in zip(names, types, strict=False):
            key = name if name not in registered else f"{name} (registered twice)"
            registered[key] = kind
    return registered


def search_attribute_problems(compose: Compose) -> list[str]:
    svc = services(compose).get(SEARCH_ATTRIBUTE_SERVICE)
    if svc is None:
        return [f"no {SEARCH_ATTRIBUTE_SERVICE!r} service registers the search attributes"]
    problems: list[str] = []
    if argv(svc.get("entrypoint"))[:2] != ["sh", "-c"]:
        problems.append(
            f"{SEARCH_ATTRIBUTE_SERVICE}: entrypoint must be ['sh', '-c'] (the admin-tools image's own "
            f"entrypoint is `sleep infinity`), got {svc.get('entrypoint')!r}"
        )
    if str(svc.get("restart")) != "no":
        problems.append(f"{SEARCH_ATTRIBUTE_SERVICE}: a one-shot service needs restart: 'no'")
    registered = registered_search_attributes(compose)
    if registered != SEARCH_ATTRIBUTES:
        problems.append(
            f"{SEARCH_ATTRIBUTE_SERVICE} registers {registered} but domain.ids.SEARCH_ATTRIBUTES is "
            f"{SEARCH_ATTRIBUTES} (missing: {sorted(SEARCH_ATTRIBUTES.keys() - registered.keys())}, "
            f"extra: {sorted(registered.keys() - SEARCH_ATTRIBUTES.keys())}, "
            f"wrong type: {sorted(k for k in registered.keys() & SEARCH_ATTRIBUTES.keys() if registered[k] != SEARCH_ATTRIBUTES[k])})"
        )
    app_env = {
        key: interpolate(value)
        for name in APP_SERVICES
        for key, value in environment(services(compose).get(name) or {}).items()
    }
    namespace = app_env.get(
        "FIELDOPS_TEMPORAL_NAMESPACE", Settings.model_fields["temporal_namespace"].default
    )
    address = app_env.get("FIELDOPS_TEMPORAL_ADDRESS", Settings.model_fields["temporal_address"].default)
    for args in search_attribute_commands(compose):
        joined = " ".join(args)
        if f"--namespace {namespace}" not in joined or f"--address {address}" not in joined:
            problems.append(
                f"{SEARCH_ATTRIBUTE_SERVICE}: '{joined}' must target --namespace {namespace} "
                f"--address {address}, the namespace and address the app services use"
            )
    return problems


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependency -> condition (the short list form means ``service_started``)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def dependency_problems(compose: Compose) -> list[str]:
    """The API and workers start only after migrations and search-attribute registration succeeded."""
    problems: list[str] = []
    for name in APP_SERVICES:
        svc = services(compose).get(name)
        if svc is None:
            problems.append(f"service {name!r} is missing")
            continue
        deps = depends_on(svc)
        for needed in (MIGRATE_SERVICE, SEARCH_ATTRIBUTE_SERVICE):
            if deps.get(needed) != "service_completed_successfully":
                problems.append(
                    f"service {name!r} must depend on {needed!r} with condition "
                    f"service_completed_successfully, got {deps.get(needed)!r}"
                )
    return problems


def host_ports(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port of the ``"HOST:CONTAINER"`` (short syntax) or long-syntax entries."""
    ports: dict[int, int] = {}
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports[int(entry["target"])] = int(entry.get("published", entry["target"]))
        else:
            parts = str(entry).split("/")[0].split(":")
            ports[int(parts[-1])] = int(parts[-2] if len(parts) > 1 else parts[-1])
    return ports


def ui_port_problems(compose: Compose) -> list[str]:
    expected = Settings.model_fields["temporal_ui_port"].default
    published = sorted(host_ports(services(compose).get(UI_SERVICE) or {}).values())
    if published != [expected]:
        return [
            f"{UI_SERVICE} publishes host ports {published}; expected [{expected}] like "
            "settings.temporal_ui_port (`fieldops dev` serves the UI there)"
        ]
    return []


def queues_of(args: list[str]) -> set[str]:
    """The queues a ``fieldops worker ...`` command runs (no ``--queue`` means the CLI default)."""
    command, _, rest = _resolve(args)
    if command is None:
        return set()
    ctx = command.make_context("fieldops worker", list(rest))
    queue = ctx.params["queue"]
    return set(QUEUES) if queue == "all" else {queue}


def queue_coverage_problems(compose: Compose) -> list[str]:
    covered: dict[str, list[str]] = {}
    for service, args in fieldops_commands(compose).items():
        if args[1:2] == ["worker"]:
            for queue in queues_of(args):
                covered.setdefault(queue, []).append(service)
    problems = [f"no compose service runs a worker for queue {q!r}" for q in QUEUES if q not in covered]
    problems += [f"queue {q!r} is run by several services {s}" for q, s in covered.items() if len(s) > 1]
    for name in ("worker", "worker-optimizer"):
        args = fieldops_commands(compose).get(name)
        if not args or args[1:2] != ["worker"]:
            problems.append(f"service {name!r} must run `fieldops worker --queue ...`")
    return problems


def image_source_problems(compose: Compose) -> list[str]:
    """The inline Dockerfile copies every module and package pyproject.toml installs."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    needed = {f"{module}.py" for module in pyproject["py-modules"]}
    needed |= {pattern.rstrip("*") for pattern in pyproject["packages"]["find"]["include"]}
    needed.add("pyproject.toml")
    problems: list[str] = []
    for name, svc in services(compose).items():
        dockerfile = ((svc.get("build") or {}) if isinstance(svc.get("build"), dict) else {}).get(
            "dockerfile_inline"
        )
        if not dockerfile:
            continue
        copied = {
            Path(source).parts[0]
            for line in dockerfile.splitlines()
            if line.strip().upper().startswith("COPY ")
            for source in shlex.split(line.strip())[1:-1]
            if not source.startswith("--")
        }
        missing = sorted(needed - copied)
        if missing:
            problems.append(f"service {name!r}: the inline Dockerfile does not COPY {missing}")
    return problems


# --- tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> Compose:
    return load_compose()


def test_compose_has_the_expected_services(compose):
    expected = {
        "postgresql",
        "temporal",
        SEARCH_ATTRIBUTE_SERVICE,
        UI_SERVICE,
        MIGRATE_SERVICE,
        SCHEDULES_SERVICE,
        *APP_SERVICES,
    }
    assert expected <= services(compose).keys(), f"missing services: {expected - services(compose).keys()}"
    assert "version" not in compose, "the compose spec has no top-level `version:` key"
    assert set(fieldops_commands(compose)) == {MIGRATE_SERVICE, SCHEDULES_SERVICE, *APP_SERVICES}
    schedules = services(compose)[SCHEDULES_SERVICE]
    assert fieldops_commands(compose)[SCHEDULES_SERVICE] == ["fieldops", "schedules", "apply"]
    assert depends_on(schedules).get(SEARCH_ATTRIBUTE_SERVICE) == "service_completed_successfully"


def test_fieldops_commands_exist_in_the_cli(compose):
    assert cli_problems(compose) == []


def test_fieldops_env_vars_are_settings_fields(compose):
    assert env_problems(compose) == []


def test_app_env_is_a_valid_production_configuration(compose, monkeypatch):
    for var in settings_env_names():
        monkeypatch.delenv(var, raising=False)
    for name in (MIGRATE_SERVICE, SCHEDULES_SERVICE, *APP_SERVICES):
        env = {k: interpolate(v) for k, v in environment(services(compose)[name]).items()}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = Settings(_env_file=None)
        assert settings.profile == "production", f"{name}: FIELDOPS_PROFILE should be production"
        assert settings.database_url and "@postgresql:5432/" in settings.database_url, (
            f"{name}: FIELDOPS_DATABASE_URL must point at the compose postgresql service"
        )
        assert settings.temporal_address.rpartition(":")[0] == "temporal", (
            f"{name}: FIELDOPS_TEMPORAL_ADDRESS must point at the compose temporal service"
        )


def test_search_attributes_match_domain_ids(compose):
    assert search_attribute_problems(compose) == []


def test_app_services_wait_for_migrations_and_search_attributes(compose):
    assert dependency_problems(compose) == []


def test_temporal_ui_port_matches_settings(compose):
    assert ui_port_problems(compose) == []


def test_api_port_matches_its_command(compose):
    args = fieldops_commands(compose)["api"]
    port = int(args[args.index("--port") + 1])
    assert port in host_ports(services(compose)["api"]), (
        f"the api listens on --port {port} but publishes {host_ports(services(compose)['api'])}"
    )


def test_workers_cover_every_queue(compose):
    assert queue_coverage_problems(compose) == []


def test_inline_dockerfile_copies_the_package(compose):
    assert image_source_problems(compose) == []
