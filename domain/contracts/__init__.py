"""Contracts between the API, workflows and activities, one module per capability.

Each capability module holds, in this order: its activity specs (name, input type, result type,
summary), its payloads (one ``…Input``/``…Result`` model per call, update and query payloads)
and its failure catalog (the ``ApplicationError`` types it raises, each with its HTTP status and
whether it is retryable). Capability modules import only :mod:`domain.contracts.shared` (an
import-linter contract holds this), so a newcomer reads one file per capability.

Histories are plaintext, so payloads carry IDs, statuses and amounts only: never phone numbers,
emails, tokens or free text from customers (activities look those up). Money is Decimal
(serialised as a string), times are aware UTC.
"""
