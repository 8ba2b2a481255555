"""GET /api/v1/repairs/{id} latency: closed repairs (answered from the database) beside open ones
(answered by a workflow query), in the same run. Needs a running stack with demo data:

    .venv/bin/fieldops demo --exit && .venv/bin/fieldops dev   # prints an admin key
    .venv/bin/python -m bench.repair_reads --key <admin key> [--base-url http://127.0.0.1:8000]

Starts five auto-approved repairs to have open ones. Prints p50/p95 per kind; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx


def timed(client: httpx.Client, headers: dict[str, str], ids: list[str], rounds: int) -> tuple[float, float]:
    """(p50, p95) in ms of ``rounds`` GETs cycling over ``ids``."""
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        client.get(f"/api/v1/repairs/{ids[i % len(ids)]}", headers=headers).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", required=True)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    headers = {"X-API-Key": args.key}
    with httpx.Client(base_url=args.base_url, timeout=30) as client:
        listed = client.get("/api/v1/repairs", params={"status": "completed", "page_size": 50}, headers=headers)
        closed = [r["id"] for r in listed.json()["items"]]
        customers = client.get("/api/v1/customers", headers=headers).json()["items"]
        generous = next(c for c in customers if float(c.get("max_auto_approve_amount") or 0) >= 100)
        body = {"customer_id": generous["id"], "job_type": "maintenance", "photos": ["https://photos.example.com/b.jpg"]}
        opened = [client.post("/api/v1/repairs", json=body, headers=headers).json()["id"] for _ in range(5)]
        time.sleep(4)  # let them reach 'assigned'
        for label, ids in (("closed (database)", closed), ("open (workflow query)", opened)):
            p50, p95 = timed(client, headers, ids, args.rounds)
            print(f"GET {label:22s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  n={args.rounds}")


if __name__ == "__main__":
    main()
