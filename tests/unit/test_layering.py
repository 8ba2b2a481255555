"""api/ and activities/ reach the database only through ``db/repositories/<model>.py``
(DESIGN.md "Layout": repositories hold the queries, the request or activity boundary commits).

Scans the code (comments and strings blanked out) of the services, routers, ``api/auth.py`` and
the activities for statements built in place (``select(``, ``insert(``, ``delete(``, ``update(``)
and for query calls on a session (``session.get(``, ``db.execute(``, ``session.add(`` …).
Transaction control stays at the boundary and is allowed: ``commit``, ``rollback``, ``begin_nested``.
``api/pagination.py`` runs the count and page queries of a statement a repository built; not scanned.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = sorted(
    {
        *ROOT.glob("api/services/*.py"),
        *ROOT.glob("api/routers/*.py"),
        ROOT / "api" / "auth.py",
        *ROOT.glob("activities/*.py"),
    }
)

# A bare (or sa./sqlalchemy.-qualified) statement constructor; ``router.delete(`` and
# ``repo.remove(`` are not statements, so a constructor right after another name's dot is not one.
STATEMENT = re.compile(r"(?<![\w.])(?:(?:sa|sqlalchemy)\.)?(?:select|insert|delete|update)\(")
# A query method called on a session, whatever the session is called (session, db, self._session…).
SESSION_CALL = re.compile(
    r"\b(?:\w*session|db|\w*_db)\."
    r"(?:get|execute|scalars|scalar|add|add_all|delete|merge|query|flush|refresh|bulk_\w+)\("
)

# Known calls still to move into a repository, as (file, text on the offending line). An entry
# that no longer matches fails the test: delete it once its file is converted.
PENDING: set[tuple[str, str]] = set()


def code_lines(source: str) -> list[str]:
    """``source`` split in lines with comments and string literals (docstrings too) blanked."""
    lines = source.splitlines(keepends=True)
    chars = [list(line) for line in lines]
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        (srow, scol), (erow, ecol) = tok.start, tok.end
        for row in range(srow, erow + 1):
            line = chars[row - 1]
            start = scol if row == srow else 0
            end = ecol if row == erow else len(line)
            for i in range(start, end):
                if line[i] != "\n":
                    line[i] = " "
    return ["".join(line).rstrip("\n") for line in chars]


def violations(source: str) -> list[tuple[int, str, str]]:
    """(line number, offending call, original line) for every direct database access in ``source``."""
    original = source.splitlines()
    found = []
    for number, line in enumerate(code_lines(source), start=1):
        for pattern in (STATEMENT, SESSION_CALL):
            for match in pattern.finditer(line):
                found.append((number, match.group(0), original[number - 1].strip()))
    return found


def test_scanner_tells_queries_from_lookalikes() -> None:
    flagged = [
        "stmt = select(Customer)",
        "session.execute(delete(Customer))",
        "row = db.get(Message, 1)",
        "self._session.add(x)",
        "sa.update(WorkOrder)",
        "insert(CustomerPricing).values()",
        "session.flush()",
    ]
    for line in flagged:
        assert violations(line + "\n"), line
    allowed = [
        '@router.delete("/{code}")',
        "await handle.execute_update(update, payload)",
        "repo.remove(session, customer_id=1)",
        "rows.update_fields(session, customer, {})",
        "db.commit()",
        "with session.begin_nested():",
        "session.rollback()",
        '"""Core delete(…) happens in the repository: select(X)."""',
        "x = 1  # session.get(Customer, 1) lives in the repository",
        "client.get(url)",
    ]
    for line in allowed:
        assert not violations(line + "\n"), line


def test_services_routers_auth_and_activities_query_only_through_repositories() -> None:
    assert len(SCANNED) > 10, SCANNED
    offending = []
    pending_seen = set()
    for path in SCANNED:
        rel = path.relative_to(ROOT).as_posix()
        for number, call, line in violations(path.read_text()):
            pending = {p for p in PENDING if p[0] == rel and p[1] in line}
            if pending:
                pending_seen |= pending
            else:
                offending.append(f"{rel}:{number}: {call}  ({line})")
    listing = "\n".join(offending)
    assert not offending, f"database access outside db/repositories; add a repository function:\n{listing}"
    stale = sorted(PENDING - pending_seen)
    assert not stale, f"converted already, drop them from PENDING: {stale}"
