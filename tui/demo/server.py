"""Start moto's ThreadedMotoServer on 127.0.0.1 with a free port, quietly."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.loaders import Loader

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


def _share_parsed_models() -> None:
    """moto makes botocore sessions and loaders of its own (three at import for EC2's region
    list, one per service for parsing requests), each parsing the same large JSON models again:
    endpoints.json and EC2's model alone cost half a second per copy. Every botocore session in
    the demo's process shares the console's loader instead, so each model is parsed once."""
    import botocore.session
    import moto.core.utils
    from botocore import loaders

    from tui.session import shared_loader

    def create_loader(search_path: str | None = None) -> Loader:
        return shared_loader() if search_path is None else loaders.create_loader(search_path)

    botocore.session.create_loader = create_loader  # type: ignore[attr-defined]
    moto.core.utils.create_loader = shared_loader  # type: ignore[attr-defined]


def _cache_module_list() -> None:
    """moto lists its package directory (a stat per module, ~150) on every request to find the
    service a Host header names; the list does not change while the process runs."""
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


def start_server() -> DemoServer:
    """A moto server bound to loopback only, on a port the OS picks."""
    try:
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the [demo] extra is not installed
        raise SystemExit(
            "The demo needs moto: install it with  pip install 'watchkeeper[demo]'"
        ) from exc
    # werkzeug logs every request to stderr, which would scribble over the TUI.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Without moto's ~1,300 default AMIs (and their snapshots) the EC2 backend starts faster and
    # the snapshot panel shows only the demo's own snapshots.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    # moto walks an ECS task towards STOPPED each time it is described; the demo's running tasks
    # must stay running.
    from moto.moto_api import state_manager

    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    _share_parsed_models()
    from tui.demo import moto_extras

    moto_extras.install()
    # Batch jobs must not try to start Docker containers.
    default_user_config.setdefault("batch", {})["use_docker"] = False
    _cache_module_list()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return DemoServer(f"http://{host}:{port}", server)
