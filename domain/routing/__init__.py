"""Dispatch routing: the VRPTW model, travel matrices, the OR-Tools solver and the float checker.

See :mod:`domain.routing.model` for units and rules, :mod:`domain.routing.solver` for the
OR-Tools model, :mod:`domain.routing.check` for the independent check, and
:mod:`domain.routing.solomon` for the Solomon (1987) benchmark format.
"""

from domain.routing.check import Violation, check_plan
from domain.routing.model import (
    Break,
    Job,
    Plan,
    Point,
    ReasonCode,
    Route,
    RoutingError,
    RoutingProblem,
    Stop,
    Technician,
    Unassigned,
    can_serve,
)
from domain.routing.schedule import points_of, schedule_route
from domain.routing.solver import SolveParams, solve
from domain.routing.travel import EuclideanTravel, HaversineTravel, TravelMatrix, TravelProvider

__all__ = [
    "Break",
    "EuclideanTravel",
    "HaversineTravel",
    "Job",
    "Plan",
    "Point",
    "ReasonCode",
    "Route",
    "RoutingError",
    "RoutingProblem",
    "SolveParams",
    "Stop",
    "Technician",
    "TravelMatrix",
    "TravelProvider",
    "Unassigned",
    "Violation",
    "can_serve",
    "check_plan",
    "points_of",
    "schedule_route",
    "solve",
]
