"""All models, imported so ``Base.metadata`` knows every table."""

from db.models.analytics import (
    CoachingQueueEntry,
    CohortBenchmark,
    Kudos,
    TeamDailyMetrics,
    TechnicianAchievement,
    TechnicianBpiScore,
    TechnicianDailyMetrics,
)
from db.models.auth import ROLES, ApiKey
from db.models.billing import (
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceWorkOrder,
    OfficeTask,
    Payment,
)
from db.models.catalog import ServiceCatalogEntry
from db.models.communication import CommunicationPreferences, MessageEvent
from db.models.customers import Customer, CustomerPricing, customer_preferred_technicians
from db.models.dispatch import DispatchPlan, RouteOptimization
from db.models.links import ApprovalToken
from db.models.messaging import AuditLog, Message
from db.models.performance import TechnicianCustomerTotals
from db.models.technicians import Technician, TechnicianSkill, technician_managed
from db.models.tracking import TechnicianLocation
from db.models.work_orders import JobCost, ServiceRequest, WorkOrder

__all__ = [
    "ROLES",
    "ApiKey",
    "ApprovalToken",
    "AuditLog",
    "CoachingQueueEntry",
    "CohortBenchmark",
    "CommunicationPreferences",
    "Customer",
    "CustomerPricing",
    "DispatchPlan",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberCounter",
    "InvoiceWorkOrder",
    "JobCost",
    "Kudos",
    "Message",
    "MessageEvent",
    "OfficeTask",
    "Payment",
    "RouteOptimization",
    "ServiceCatalogEntry",
    "ServiceRequest",
    "TeamDailyMetrics",
    "Technician",
    "TechnicianAchievement",
    "TechnicianBpiScore",
    "TechnicianCustomerTotals",
    "TechnicianDailyMetrics",
    "TechnicianLocation",
    "TechnicianSkill",
    "WorkOrder",
    "customer_preferred_technicians",
    "technician_managed",
]
