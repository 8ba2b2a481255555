"""All models, imported so ``Base.metadata`` knows every table."""

from db.models.auth import ROLES, ApiKey
from db.models.catalog import ServiceCatalogEntry
from db.models.customers import Customer, CustomerPricing, customer_preferred_technicians
from db.models.links import ApprovalToken
from db.models.lot_walks import LotWalk
from db.models.messaging import AuditLog, Message
from db.models.technicians import Technician, TechnicianSkill, technician_managed
from db.models.work_orders import JobCost, ServiceRequest, WorkOrder

__all__ = [
    "ROLES",
    "ApiKey",
    "ApprovalToken",
    "AuditLog",
    "Customer",
    "CustomerPricing",
    "JobCost",
    "LotWalk",
    "Message",
    "ServiceCatalogEntry",
    "ServiceRequest",
    "Technician",
    "TechnicianSkill",
    "WorkOrder",
    "customer_preferred_technicians",
    "technician_managed",
]
