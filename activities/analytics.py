"""Analytics activities (seed 002): the day's aggregation, BPI scores, achievements, coaching
queue and cohort benchmarks. Counting is SQL in ``db/repositories/analytics.py``; every rule is
in ``domain/analytics``. Each activity replaces the rows of its day in one transaction, so a
retry or a re-run (backfill) leaves exactly one set of rows for that day.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import permanent_db_errors
from db.repositories import analytics as repo
from db.session import transaction
from domain.analytics import bpi, cohorts, recognition
from domain.analytics.coaching import DROP_LOOKBACK_DAYS, coaching_need
from domain.contracts import analytics as contract
from domain.contracts.analytics import AnalyticsDayInput, RowsWritten


def _score(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


class AnalyticsActivities:
    """Database side of AnalyticsWorkflow; ``sessions`` is a SQLAlchemy session factory and
    ``time_zone`` the company zone (kudos are counted per local calendar period)."""

    def __init__(self, sessions: sessionmaker[Session], *, time_zone: str = "UTC") -> None:
        self._sessions = sessions
        self._tz = ZoneInfo(time_zone)

    @activity.defn(name=contract.AGGREGATE_DAILY_METRICS.name)
    @permanent_db_errors
    def aggregate_daily_metrics(self, inp: AnalyticsDayInput) -> RowsWritten:
        """Replace the day's ``technician_daily_metrics`` (one SQL statement over every technician),
        and first count the days of its BPI period that were never aggregated at all (the first
        days of a backfill, days before analytics existed), so the day's BPI sums a whole period
        whichever order days are run in. Days that have rows are left as they are."""
        with transaction(self._sessions) as session:
            earlier = repo.days_never_aggregated(
                session,
                start=inp.day - timedelta(days=bpi.BPI_PERIOD_DAYS - 1),
                end=inp.day - timedelta(days=1),
            )
            filled = sum(repo.aggregate_technician_day(session, day=day) for day in earlier)
            rows = repo.aggregate_technician_day(session, day=inp.day)
            return RowsWritten(
                rows={"technician_daily_metrics": rows, "technician_daily_metrics_filled": filled}
            )

    @activity.defn(name=contract.SCORE_BPI.name)
    @permanent_db_errors
    def score_bpi(self, inp: AnalyticsDayInput) -> RowsWritten:
        """Replace the day's BPI scores (``domain.analytics.bpi`` over the BPI period's counters)
        and then the day's ``team_daily_metrics``, which average them."""
        with transaction(self._sessions) as session:
            period = repo.period_counters(session, end_day=inp.day, days=bpi.BPI_PERIOD_DAYS)
            rows = []
            for technician_id, counters in sorted(period.items()):
                result = bpi.score(counters)
                rows.append(
                    {
                        "technician_id": technician_id,
                        "formula_version": result.formula_version,
                        "bpi": _score(result.bpi),
                        **{d.value: _score(s) for d, s in result.dimensions.items()},
                        "weights": {d.value: round(w, 6) for d, w in result.weights.items()},
                    }
                )
            repo.replace_bpi_scores(session, day=inp.day, rows=rows)
            teams = repo.aggregate_team_day(session, day=inp.day)
            return RowsWritten(rows={"technician_bpi_scores": len(rows), "team_daily_metrics": teams})

    @activity.defn(name=contract.AWARD_ACHIEVEMENTS.name)
    @permanent_db_errors
    def award_achievements(self, inp: AnalyticsDayInput) -> RowsWritten:
        """Replace the achievements earned on the day (only days that end a week, month or quarter
        award any; ``domain.analytics.recognition``)."""
        periods = recognition.ending_periods(inp.day)
        earned: list[tuple[str, str, str]] = []
        with transaction(self._sessions) as session:
            if periods:
                start = recognition.period_bounds(recognition.Period.QUARTER, inp.day)[0]
                start = min(start, recognition.period_bounds(recognition.Period.WEEK, inp.day)[0])
                series = repo.daily_series(
                    session,
                    technician_ids=repo.period_counters(session, end_day=inp.day, days=1).keys(),
                    start=start,
                    end=inp.day,
                )
                received: dict[recognition.Period, dict[str, int]] = {}
                given: dict[recognition.Period, dict[str, int]] = {}
                for period in periods:
                    first, last, _ = recognition.period_bounds(period, inp.day)
                    since = datetime.combine(first, time(), tzinfo=self._tz).astimezone(UTC)
                    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=self._tz).astimezone(
                        UTC
                    )
                    received[period] = repo.kudos_counts(session, start=since, end=until, given=False)
                    given[period] = repo.kudos_counts(session, start=since, end=until, given=True)
                for technician_id, days in series.items():
                    for item in recognition.achievements_on(
                        inp.day,
                        days,
                        {p: counts.get(technician_id, 0) for p, counts in received.items()},
                        {p: counts.get(technician_id, 0) for p, counts in given.items()},
                    ):
                        earned.append((technician_id, item.code, item.period_key))
            repo.replace_achievements(session, day=inp.day, earned=earned)
        return RowsWritten(rows={"technician_achievements": len(earned)})

    @activity.defn(name=contract.BUILD_COACHING_QUEUE.name)
    @permanent_db_errors
    def build_coaching_queue(self, inp: AnalyticsDayInput) -> RowsWritten:
        """Replace the day's coaching queue from the day's scores, the scores
        ``DROP_LOOKBACK_DAYS`` earlier and the BPI period's counters (``domain.analytics.coaching``)."""
        with transaction(self._sessions) as session:
            now = repo.bpi_on(session, day=inp.day)
            before = repo.bpi_on(session, day=inp.day - timedelta(days=DROP_LOOKBACK_DAYS))
            period = repo.period_counters(session, end_day=inp.day, days=bpi.BPI_PERIOD_DAYS)
            rows = []
            for technician_id, counters in sorted(period.items()):
                score, earlier = now.get(technician_id), before.get(technician_id)
                need = coaching_need(
                    technician_id,
                    bpi=None if score is None else float(score),
                    bpi_before=None if earlier is None else float(earlier),
                    counters=counters,
                )
                if need is not None:
                    rows.append(
                        {
                            "technician_id": technician_id,
                            "priority": need.priority,
                            "reasons": list(need.reasons),
                            "bpi": score,
                        }
                    )
            repo.replace_coaching_queue(session, day=inp.day, rows=rows)
            return RowsWritten(rows={"coaching_queue": len(rows)})

    @activity.defn(name=contract.UPDATE_COHORT_BENCHMARKS.name)
    @permanent_db_errors
    def update_cohort_benchmarks(self, inp: AnalyticsDayInput) -> RowsWritten:
        """Place every technician scored on the day in his cohort (``domain.analytics.cohorts``)
        and replace the day's cohort benchmarks."""
        with transaction(self._sessions) as session:
            members = [
                cohorts.Member(
                    r.technician_id,
                    float(r.bpi),
                    r.skills,
                    cohorts.region(r.home_zip),
                    cohorts.tenure_band(r.since, inp.day),
                )
                for r in repo.cohort_rows(session, day=inp.day)
            ]
            placements, benchmarks = cohorts.place(members)
            repo.store_cohorts(
                session,
                day=inp.day,
                formula_version=bpi.FORMULA_VERSION,
                placements=[(p.technician_id, p.cohort_key, p.cohort_size, p.percentile) for p in placements],
                benchmarks=[
                    {
                        "cohort_key": b.cohort_key,
                        "technicians": b.size,
                        "bpi_p25": _score(b.p25),
                        "bpi_p50": _score(b.p50),
                        "bpi_p75": _score(b.p75),
                        "bpi_p90": _score(b.p90),
                    }
                    for b in benchmarks
                ],
            )
            return RowsWritten(
                rows={"cohort_benchmarks": len(benchmarks), "cohort_placements": len(placements)}
            )

    def all(self) -> list:
        """Every activity method, for the worker."""
        return [
            self.aggregate_daily_metrics,
            self.score_bpi,
            self.award_achievements,
            self.build_coaching_queue,
            self.update_cohort_benchmarks,
        ]
