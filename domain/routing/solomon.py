"""Reader for VRPTW instances in the Solomon (1987) text format, mapped onto RoutingProblem.

Format (Solomon, "Algorithms for the vehicle routing and scheduling problems with time window
constraints", Operations Research 35(2), 1987; the files of CVRPLIB and Gehring & Homberger use
the same layout): a name line; ``VEHICLE`` then ``NUMBER CAPACITY`` and one line with the two
integers; ``CUSTOMER`` then the header ``CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE
SERVICE TIME`` and one row of seven numbers per node, node 0 being the depot.

Conventions of the benchmark: Euclidean distances in full precision, travel time = distance,
service starts within [ready, due], every vehicle leaves the depot no earlier than its ready time
and is back by its due date, load <= capacity, at most NUMBER vehicles, every customer served.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.routing.model import Job, RoutingProblem, Technician


class SolomonFormatError(ValueError):
    """Raised when the text is not a Solomon-format instance (with the line at fault)."""


@dataclass(frozen=True, slots=True)
class SolomonNode:
    """One row: node number, coordinates, demand, ready time, due date, service time."""

    number: int
    x: float
    y: float
    demand: float
    ready: float
    due: float
    service: float


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    """A parsed instance: name, fleet size, vehicle capacity, depot and customers."""

    name: str
    vehicles: int
    capacity: float
    depot: SolomonNode
    customers: tuple[SolomonNode, ...]


def parse_solomon(text: str) -> SolomonInstance:
    """Parse a Solomon-format instance; raises SolomonFormatError on a malformed file."""
    lines = [ln.strip() for ln in text.splitlines()]
    nonblank = [ln for ln in lines if ln]
    if not nonblank:
        raise SolomonFormatError("empty file")
    name = nonblank[0]
    try:
        v_at = next(i for i, ln in enumerate(nonblank) if ln.upper() == "VEHICLE")
        c_at = next(i for i, ln in enumerate(nonblank) if ln.upper() == "CUSTOMER")
    except StopIteration as err:
        raise SolomonFormatError("missing VEHICLE or CUSTOMER section") from err
    if not nonblank[v_at + 1].upper().startswith("NUMBER"):
        raise SolomonFormatError(f"expected 'NUMBER CAPACITY' after VEHICLE, got {nonblank[v_at + 1]!r}")
    try:
        number_s, capacity_s = nonblank[v_at + 2].split()
        vehicles, capacity = int(number_s), float(capacity_s)
    except ValueError as err:
        raise SolomonFormatError(f"bad fleet line {nonblank[v_at + 2]!r}") from err
    if not nonblank[c_at + 1].upper().startswith("CUST"):
        raise SolomonFormatError(f"expected the column header after CUSTOMER, got {nonblank[c_at + 1]!r}")
    nodes: list[SolomonNode] = []
    for ln in nonblank[c_at + 2 :]:
        parts = ln.split()
        if len(parts) != 7:
            raise SolomonFormatError(f"expected 7 numbers per row, got {ln!r}")
        try:
            no = int(parts[0])
            x, y, dem, ready, due, service = (float(p) for p in parts[1:])
        except ValueError as err:
            raise SolomonFormatError(f"non-numeric row {ln!r}") from err
        if due < ready:
            raise SolomonFormatError(f"node {no}: due date before ready time")
        nodes.append(SolomonNode(no, x, y, dem, ready, due, service))
    if len(nodes) < 2:
        raise SolomonFormatError("needs a depot and at least one customer")
    if nodes[0].number != 0:
        raise SolomonFormatError("the first row must be the depot, node 0")
    if vehicles < 1:
        raise SolomonFormatError("NUMBER of vehicles must be >= 1")
    return SolomonInstance(name, vehicles, capacity, nodes[0], tuple(nodes[1:]))


def to_problem(inst: SolomonInstance) -> RoutingProblem:
    """The instance as a RoutingProblem: ``vehicles`` identical technicians at the depot (shift =
    the depot's [ready, due], capacity), one must-serve job per customer (id = its node number).

    Travel is :class:`domain.routing.travel.EuclideanTravel` over ``points_of(problem)``. Raises
    RoutingError (from validation at solve time) when a customer has a zero service time.
    """
    depot = (inst.depot.x, inst.depot.y)
    techs = [
        Technician(f"V{k + 1}", depot, inst.depot.ready, inst.depot.due, capacity=inst.capacity)
        for k in range(inst.vehicles)
    ]
    jobs = [
        Job(str(c.number), (c.x, c.y), c.ready, c.due, c.service, demand=c.demand) for c in inst.customers
    ]
    return RoutingProblem(techs, jobs)
