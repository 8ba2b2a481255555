"""Live tracking for the demo day (issue 7): one technician of an assigned repair drives to it.
For the demo to call once the day's repairs are assigned (the lead wires it into the demo); it
goes through the HTTP API like the technician's phone would.

The technician posts a position about 8 km from the site, says he is on his way (the customer
gets one ETA message), then posts a position at the site, which marks the arrival on the work
order and in its workflow.
"""

from __future__ import annotations

import httpx


async def play_tracking(
    http: httpx.AsyncClient, office: dict[str, str], technician_key: str, *, work_order_id: str
) -> dict[str, object]:
    """Drive ``technician_key``'s technician to ``work_order_id`` (an assigned repair of his);
    returns what the demo prints: the ETA, whether it was late, and the job the on-site position
    marked arrived. Raises httpx.HTTPStatusError when a call is refused."""
    repair = (await http.get(f"/api/v1/repairs/{work_order_id}", headers=office)).raise_for_status().json()
    tech = repair["technician_id"]
    customer = (
        (await http.get(f"/api/v1/customers/{repair['customer_id']}", headers=office))
        .raise_for_status()
        .json()
    )
    site = (customer["latitude"], customer["longitude"])
    headers = {"X-API-Key": technician_key}
    await http.post(
        f"/api/v1/technicians/{tech}/locations",
        json={"latitude": site[0] + 0.07, "longitude": site[1], "accuracy_meters": 12},
        headers=headers,
    )
    way = (
        await http.post(f"/api/v1/repairs/{work_order_id}/on-my-way", json={}, headers=headers)
    ).raise_for_status()
    there = (
        await http.post(
            f"/api/v1/technicians/{tech}/locations",
            json={"latitude": site[0], "longitude": site[1], "accuracy_meters": 6},
            headers=headers,
        )
    ).raise_for_status()
    return {
        "technician": tech,
        "eta": way.json()["eta"],
        "late": way.json()["late"],
        "arrived": there.json()["arrived_work_order_id"],
    }
