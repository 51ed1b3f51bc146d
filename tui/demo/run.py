"""Start the whole demo: server, incident, ticker. Returns the session the console uses."""

from __future__ import annotations

from tui.demo.server import DEMO_CREDENTIALS, DEMO_REGION, start_server
from tui.session import AwsSession


def check_region(region: str | None) -> None:
    """The incident is seeded in one region only: any other would be an empty account, silently."""
    if region and region != DEMO_REGION:
        raise SystemExit(f"The demo's incident is in {DEMO_REGION} only, not {region}: leave out --region "
                         f"(or give --region {DEMO_REGION}) with --demo.")


def start_demo(*, read_only: bool = False, ticker: bool = True) -> AwsSession:
    server = start_server()  # first: it makes moto's imports below cheaper
    from tui.demo.seed import seed_all
    from tui.demo.ticker import Ticker

    seed_all()
    if ticker:
        Ticker().start()
    return AwsSession(region=DEMO_REGION, endpoint_url=server.endpoint_url, credentials=DEMO_CREDENTIALS,
                      read_only=read_only, parallel_checks=1)
