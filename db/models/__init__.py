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
from db.models.customer360 import (
    FOLLOW_UP_STATUSES,
    REVIEW_SOURCES,
    Appliance,
    CustomerTechnicianRating,
    Expense,
    Review,
    ServiceFollowUp,
)
from db.models.customers import Customer, CustomerPricing, customer_preferred_technicians
from db.models.dispatch import DispatchPlan, RouteOptimization
from db.models.links import ApprovalToken
from db.models.llm import LlmCacheEntry, LlmCall
from db.models.lot_walks import LotWalk
from db.models.messaging import AuditLog, Message
from db.models.performance import TechnicianCustomerTotals
from db.models.portal import PortalLoginLink, PortalPhoto, PortalSession
from db.models.surveys import SurveyLink
from db.models.technicians import Technician, TechnicianSkill, technician_managed
from db.models.tracking import TechnicianLocation
from db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from db.models.work_orders import JobCost, ServiceRequest, WorkOrder

__all__ = [
    "FOLLOW_UP_STATUSES",
    "REVIEW_SOURCES",
    "ROLES",
    "ApiKey",
    "Appliance",
    "ApprovalToken",
    "AuditLog",
    "CoachingQueueEntry",
    "CohortBenchmark",
    "CommunicationPreferences",
    "Customer",
    "CustomerPricing",
    "CustomerTechnicianRating",
    "DispatchPlan",
    "Expense",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberCounter",
    "InvoiceWorkOrder",
    "JobCost",
    "Kudos",
    "LlmCacheEntry",
    "LlmCall",
    "LotWalk",
    "Message",
    "MessageEvent",
    "OfficeTask",
    "Payment",
    "PortalLoginLink",
    "PortalPhoto",
    "PortalSession",
    "Review",
    "RouteOptimization",
    "ServiceCatalogEntry",
    "ServiceFollowUp",
    "ServiceRequest",
    "SurveyLink",
    "TeamDailyMetrics",
    "Technician",
    "TechnicianAchievement",
    "TechnicianBpiScore",
    "TechnicianCustomerTotals",
    "TechnicianDailyMetrics",
    "TechnicianLocation",
    "TechnicianSkill",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkOrder",
    "customer_preferred_technicians",
    "technician_managed",
]
