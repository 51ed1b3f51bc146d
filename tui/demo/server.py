"""Start moto's ThreadedMotoServer on 127.0.0.1 with a free port, quietly."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

DEMO_ACCOUNT = "123456789012"
DEMO_REGION = "us-east-1"
# moto accepts any keys; these never leave the loopback server.
DEMO_CREDENTIALS = {"aws_access_key_id": "demo", "aws_secret_access_key": "demo"}


@dataclass
class DemoServer:
    endpoint_url: str
    _server: object

    def stop(self) -> None:
        self._server.stop()  # type: ignore[attr-defined]


def start_server() -> DemoServer:
    """A moto server bound to loopback only, on a port the OS picks."""
    try:
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the [demo] extra is not installed
        raise SystemExit(
            "The demo needs moto: install it with  pip install 'watchkeeper[demo]'"
        ) from exc
    from tui.demo import moto_extras, moto_inspector, moto_tuning

    moto_tuning.install()  # first: it makes the imports of moto's service models cheaper
    # werkzeug logs every request to stderr, which would scribble over the TUI.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Without moto's ~1,300 default AMIs (and their snapshots) the EC2 backend starts faster and
    # the snapshot panel shows only the demo's own snapshots.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    # moto walks an ECS task towards STOPPED each time it is described; the demo's running tasks
    # must stay running.
    from moto.moto_api import state_manager

    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    moto_extras.install()
    moto_inspector.install()
    # Batch jobs must not try to start Docker containers.
    default_user_config.setdefault("batch", {})["use_docker"] = False
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return DemoServer(f"http://{host}:{port}", server)


def plain_client(endpoint_url: str, service: str, region: str = DEMO_REGION) -> object:
    """A boto3 client outside watchkeeper's session (no operation declaration, no audit), for
    writing test and benchmark data into a moto server. The console never uses one."""
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint_url,
                        aws_access_key_id="demo", aws_secret_access_key="demo")
