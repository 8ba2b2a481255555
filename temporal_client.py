"""Connecting to Temporal with the project's data converter (pydantic) everywhere."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import Settings


async def connect_temporal(settings: Settings) -> Client:
    """A client for ``settings.temporal_address`` / namespace using ``pydantic_data_converter``."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
