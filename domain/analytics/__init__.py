"""Technician analytics (seed 002 mapped to field service): metric definitions, the Balanced
Performance Index, cohort benchmarks, recognition (achievements, streaks) and coaching rules.
Pure rules; the SQL that counts lives in ``db/repositories/analytics.py``."""
