"""Search settings of the OR-Tools routing solver (:mod:`domain.routing.solver`) and their protobuf.

Names are OR-Tools enum names (``routing_enums_pb2.FirstSolutionStrategy`` and
``LocalSearchMetaheuristic``); see https://developers.google.com/optimization/routing/routing_options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2


@dataclass(frozen=True, slots=True)
class SolveParams:
    """Search settings: time limit (s), strategies by OR-Tools enum name, scaling (ticks per minute).

    ``gls_lambda`` is OR-Tools' guided_local_search_lambda_coefficient. ``extra_operators`` adds
    cross-exchange, relocate-neighbors and path-LNS moves. ``hard_mandatory`` gives must-serve jobs
    no disjunction at all (faster search on benchmarks where every job can be served, but then no
    plan comes back when one cannot); by default they get a penalty above any routing cost.
    ``neighbors_ratio`` < 1 restricts local-search moves to each node's nearest
    ``max(min_neighbors, ratio x nodes)`` nodes (OR-Tools ls_operator_neighbors_ratio: granular
    neighbourhoods, Toth & Vigo 2003), so a search step over a large day is that much cheaper.
    """

    time_limit_seconds: float = 5.0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    time_scale: int = 100
    cost_scale: int = 100
    extra_operators: bool = False
    hard_mandatory: bool = False
    log_search: bool = False
    neighbors_ratio: float = 1.0
    min_neighbors: int = 10


def search_parameters(params: SolveParams) -> Any:
    """OR-Tools RoutingSearchParameters for ``params`` (raises ValueError on an unknown enum name)."""
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(params.first_solution)
    p.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        params.metaheuristic
    )
    p.guided_local_search_lambda_coefficient = params.gls_lambda
    if params.extra_operators:
        ops = p.local_search_operators
        ops.use_cross_exchange = optional_boolean_pb2.BOOL_TRUE
        ops.use_relocate_neighbors = optional_boolean_pb2.BOOL_TRUE
        ops.use_path_lns = optional_boolean_pb2.BOOL_TRUE
    secs = max(params.time_limit_seconds, 0.01)
    p.time_limit.seconds = int(secs)
    p.time_limit.nanos = int((secs - int(secs)) * 1e9)
    p.log_search = params.log_search
    if params.neighbors_ratio < 1.0:
        p.ls_operator_neighbors_ratio = params.neighbors_ratio
        p.ls_operator_min_neighbors = params.min_neighbors
    return p
