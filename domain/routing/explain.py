"""Explanations of a plan, computed after the solve from the plan, the problem and the matrix.

OR-Tools returns routes, not reasons. For each served job this module gives the technician, the
travel minutes the job adds to his route (drive in + drive out - the drive it replaced), the
runner-up technician (the cheapest feasible insertion of the job into any other technician's
route, in travel minutes + that technician's soft-preference cost) and why the runner-up lost;
for each unassigned job the solver's binding reason, with the skill named.

Insertion (also used for new jobs and bookable slots): for a technician, every position in his
route is ranked by added travel, and the float schedule (:func:`domain.routing.schedule_route`:
windows, shift, break) plus his job/minute/load limits decide feasibility; the first feasible
position in that order is his cheapest feasible insertion. Nothing here changes the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.routing.model import Job, Plan, ReasonCode, Route, RoutingProblem, Technician, can_serve
from domain.routing.schedule import end_node, schedule_route, start_node
from domain.routing.travel import TravelMatrix


@dataclass(frozen=True, slots=True)
class Insertion:
    """Job index ``job`` at ``position`` of technician ``k``'s route: added travel minutes, the
    technician's soft-preference cost, and the resulting float Route."""

    k: int
    position: int
    added_travel_minutes: float
    preference_cost: float
    route: Route

    @property
    def cost(self) -> float:
        """Added travel + preference cost (travel minutes): what insertions are compared by."""
        return self.added_travel_minutes + self.preference_cost


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a served job went to ``technician_id``: added travel minutes, runner-up and why it lost."""

    job_id: str
    technician_id: str
    added_travel_minutes: float
    runner_up_technician_id: str | None
    runner_up_added_travel_minutes: float | None
    why: str


def _limits_ok(tech: Technician, route: Route, jobs: dict[str, Job]) -> bool:
    if tech.max_jobs is not None and len(route.stops) > tech.max_jobs:
        return False
    if tech.capacity is not None and sum(jobs[s.job_id].demand for s in route.stops) > tech.capacity:
        return False
    if tech.max_work_minutes is not None:
        work = route.travel_minutes + sum(jobs[s.job_id].service_minutes for s in route.stops)
        if work > tech.max_work_minutes:
            return False
    return True


def sequences(problem: RoutingProblem, plan: Plan) -> list[list[int]]:
    """Each technician's job indices in route order (problem order of technicians)."""
    index = {j.job_id: i for i, j in enumerate(problem.jobs)}
    by_tech = {r.technician_id: [index[s.job_id] for s in r.stops] for r in plan.routes}
    return [by_tech.get(t.technician_id, []) for t in problem.technicians]


def best_insertion(
    problem: RoutingProblem, matrix: TravelMatrix, seqs: Sequence[Sequence[int]], j: int, k: int
) -> Insertion | None:
    """Technician k's cheapest feasible insertion of job index ``j`` into ``seqs[k]``, or None
    (lacks a skill / pinned elsewhere, or no position fits the windows, shift, break and limits)."""
    tech, job = problem.technicians[k], problem.jobs[j]
    if not can_serve(tech, job):
        return None
    seq = list(seqs[k])
    nodes = [start_node(problem, k), *seq, end_node(problem, k)]
    m = matrix.minutes
    base = sum(m[nodes[g]][nodes[g + 1]] for g in range(len(nodes) - 1))
    ranked = sorted(
        range(len(seq) + 1),
        key=lambda p: m[nodes[p]][j] + m[j][nodes[p + 1]] - m[nodes[p]][nodes[p + 1]],
    )
    jobs = {x.job_id: x for x in problem.jobs}
    for p in ranked:
        r = schedule_route(problem, k, [*seq[:p], j, *seq[p:]], matrix)
        if r is not None and _limits_ok(tech, r, jobs):
            return Insertion(k, p, r.travel_minutes - base, job.cost_for(tech.technician_id), r)
    return None


def insertions(
    problem: RoutingProblem, matrix: TravelMatrix, seqs: Sequence[Sequence[int]], j: int
) -> list[Insertion]:
    """Every technician's cheapest feasible insertion of job index ``j``, cheapest first."""
    found = [
        ins
        for k in range(len(problem.technicians))
        if (ins := best_insertion(problem, matrix, seqs, j, k)) is not None
    ]
    return sorted(found, key=lambda x: (x.cost, x.k))


def _skills(job: Job) -> str:
    return ", ".join(sorted(job.required_skills)) or "none"


def explain_plan(problem: RoutingProblem, plan: Plan, matrix: TravelMatrix) -> tuple[Explanation, ...]:
    """One Explanation per served job, in route order (technicians in problem order)."""
    seqs = sequences(problem, plan)
    m = matrix.minutes
    out: list[Explanation] = []
    for k, seq in enumerate(seqs):
        tech = problem.technicians[k]
        nodes = [start_node(problem, k), *seq, end_node(problem, k)]
        for pos, j in enumerate(seq):
            job = problem.jobs[j]
            prev, nxt = nodes[pos], nodes[pos + 2]
            added = m[prev][j] + m[j][nxt] - m[prev][nxt]
            others = [x for x in range(len(problem.technicians)) if x != k]
            skilled = [x for x in others if can_serve(problem.technicians[x], job)]
            options = sorted(
                (ins for x in skilled if (ins := best_insertion(problem, matrix, seqs, j, x)) is not None),
                key=lambda ins: (ins.cost, ins.k),
            )
            own_pref = job.cost_for(tech.technician_id)
            if job.pinned_technician_id is not None:
                runner, why = None, f"pinned to {tech.technician_id} by a dispatcher"
            elif not skilled:
                runner = None
                why = f"the only technician on shift with skill(s) {_skills(job)}"
            elif not options:
                runner = None
                why = (
                    f"{len(skilled)} other technician(s) with skill(s) {_skills(job)} have no room "
                    "for it within its window and their shift"
                )
            else:
                runner = options[0]
                rid = problem.technicians[runner.k].technician_id
                parts = [
                    f"{rid} would add {runner.added_travel_minutes:.1f} travel minutes against {added:.1f}"
                ]
                if runner.preference_cost > own_pref:
                    parts.append(
                        f"and is not the customer's preferred or last technician "
                        f"(+{runner.preference_cost - own_pref:g})"
                    )
                elif runner.cost < added + own_pref:
                    parts.append(
                        "alone, but the plan as a whole (other jobs' windows, workload balance) is cheaper this way"
                    )
                why = " ".join(parts)
            out.append(
                Explanation(
                    job_id=job.job_id,
                    technician_id=tech.technician_id,
                    added_travel_minutes=round(added, 2),
                    runner_up_technician_id=(
                        problem.technicians[runner.k].technician_id if runner is not None else None
                    ),
                    runner_up_added_travel_minutes=(
                        round(runner.added_travel_minutes, 2) if runner is not None else None
                    ),
                    why=why,
                )
            )
    return tuple(out)


def unassigned_text(problem: RoutingProblem, reason: ReasonCode, job_id: str, detail: str) -> str:
    """A sentence for people: the binding reason, naming the skill when it is the skill."""
    job = next((j for j in problem.jobs if j.job_id == job_id), None)
    if reason == ReasonCode.NO_SKILL and job is not None:
        return f"no technician on shift with skill(s) {_skills(job)}: {detail}"
    if reason == ReasonCode.WINDOW:
        return f"window infeasible: {detail}"
    if reason == ReasonCode.CAPACITY:
        return f"capacity full: {detail}"
    if reason == ReasonCode.DEFERRED:
        return f"deferred: {detail}"
    return detail
