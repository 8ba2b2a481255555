"""The service catalog: job types, their category, base price, duration and required skill.

Categories follow seed 000 ("pump outs" = pumping, grease_trap; "repairs" = repair,
maintenance; everything else is "other").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class JobCategory(StrEnum):
    """Reporting category of a job type (seed 000 Phase 1.1)."""

    PUMP_OUT = "pump_out"
    REPAIR = "repair"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One service in the catalog; ``base_price`` in USD, ``duration_minutes`` on site."""

    code: str
    name: str
    category: JobCategory
    base_price: Decimal
    duration_minutes: int
    required_skill: str


#: The default catalog loaded by the first migration (prices are the seed's mid-range).
DEFAULT_CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry("pumping", "Septic tank pump out", JobCategory.PUMP_OUT, Decimal("375.00"), 90, "pumping"),
    CatalogEntry(
        "grease_trap", "Grease trap pump out", JobCategory.PUMP_OUT, Decimal("325.00"), 75, "pumping"
    ),
    CatalogEntry("repair", "Repair", JobCategory.REPAIR, Decimal("95.00"), 90, "repair"),
    CatalogEntry("maintenance", "Preventive maintenance", JobCategory.REPAIR, Decimal("85.00"), 60, "repair"),
    CatalogEntry("inspection", "Inspection", JobCategory.OTHER, Decimal("150.00"), 60, "inspection"),
    CatalogEntry("installation", "Installation", JobCategory.OTHER, Decimal("650.00"), 240, "installation"),
    CatalogEntry("emergency", "Emergency call-out", JobCategory.OTHER, Decimal("295.00"), 120, "repair"),
    CatalogEntry(
        "camera_inspection", "Camera line inspection", JobCategory.OTHER, Decimal("225.00"), 75, "camera"
    ),
)

#: Job types counted as pump outs and as repairs by technician performance (seed 000 Phase 1.1):
#: fixed by the default catalog, as in the seed's SQL, so a job type added to the catalog table
#: later counts as "other" there.
PUMP_OUT_JOB_TYPES = frozenset(e.code for e in DEFAULT_CATALOG if e.category is JobCategory.PUMP_OUT)
REPAIR_JOB_TYPES = frozenset(e.code for e in DEFAULT_CATALOG if e.category is JobCategory.REPAIR)


class JobListCategory(StrEnum):
    """Which of a technician's completed jobs a job list shows (seed 000 Phase 1.2 ``job_category``)."""

    PUMP_OUTS = "pump_outs"
    REPAIRS = "repairs"
    ALL = "all"

    @property
    def job_types(self) -> frozenset[str] | None:
        """The job types listed, or None for every job type."""
        return {"pump_outs": PUMP_OUT_JOB_TYPES, "repairs": REPAIR_JOB_TYPES}.get(self.value)
