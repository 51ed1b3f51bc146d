"""Start-up trims for the embedded moto server: work moto repeats or never needs.

The demo must show its incident within two seconds of launch, and moto's import and first
requests are a third of that. Each trim here removes repeated or unused work; none changes what
the server answers for the demo (see share_parsed_models for the one caveat).
"""

from __future__ import annotations

from typing import Any


def share_parsed_models() -> None:
    """moto makes botocore sessions and loaders of its own (three at import for EC2's region
    list, one per service for parsing requests), each parsing the same large JSON models again:
    EC2's model and endpoints.json were parsed five times, 0.15 s a copy. Every botocore session
    in the process shares the console's loader instead, so each model is parsed once. Must run
    before moto's service models are imported. The one difference: moto's "moto-extras" (page sizes
    for a few list calls, e.g. EMR's 50, and two EC2 error shapes) are not merged, as they would be
    into the console's models too; the demo's lists are far shorter than a page."""
    import botocore.session
    import moto.core.utils
    from botocore import loaders

    from tui.session import shared_loader

    def create_loader(search_path: str | None = None) -> loaders.Loader:
        return shared_loader() if search_path is None else loaders.create_loader(search_path)

    botocore.session.create_loader = create_loader  # type: ignore[attr-defined]
    moto.core.utils.create_loader = shared_loader  # type: ignore[attr-defined]


def cache_module_list() -> None:
    """moto lists its package directory (a stat per module, ~150) on every request to find the
    service a Host header names; the list does not change while the process runs."""
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


def lazy_url_builders() -> None:
    """werkzeug compiles two URL *builders* (Python source, via ast) for each of the ~300 routes
    moto's per-service apps declare; moto only ever matches URLs, never builds them. Compile a
    builder when it is first called instead (about 50 ms of the demo's start)."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder

    def lazy(rule: Rule, append_unknown: bool = True) -> Any:
        built: Any = None

        def build(self: Rule, **values: Any) -> Any:
            nonlocal built
            if built is None:
                built = compile_builder(self, append_unknown).__get__(self, None)
            return built(**values)

        return build

    Rule._compile_builder = lazy  # type: ignore[method-assign]


class _OfferingsByRegion(dict[str, list[dict[str, Any]]]):
    """One location type's instance-type offerings, each region's file read on first use."""

    def __init__(self, location_type: str, regions: list[str], load: Any) -> None:
        super().__init__()
        self.location_type, self.regions, self.load = location_type, set(regions), load

    def __missing__(self, region: str) -> list[dict[str, Any]]:
        if region not in self.regions:
            raise KeyError(region)
        offerings = self.load(f"ec2/resources/instance_type_offerings/{self.location_type}/{region}.json")
        for offering in offerings:
            offering["LocationType"] = self.location_type
        self[region] = offerings
        return offerings

    def get(self, region: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[region] if region in self.regions else default

    def __contains__(self, region: object) -> bool:
        return region in self.regions


def lazy_instance_type_offerings() -> None:
    """Importing moto's EC2 models reads the instance-type offerings of every region, zone and
    zone id (90 compressed JSON files); the demo uses one region's. Each region's file is read
    when moto first asks for it instead. Must run before moto's EC2 models are imported."""
    import moto.utilities.utils as utils

    load = utils.load_resource
    utils.load_resource = lambda path: [] if "/instance_type_offerings/" in path else load(path)
    try:
        from moto.ec2.models import instance_types
    finally:
        utils.load_resource = load
    offerings = instance_types.INSTANCE_TYPE_OFFERINGS  # shared by name with moto's other modules
    for location_type, regions in offerings.items():
        offerings[location_type] = _OfferingsByRegion(location_type, list(regions), load)


def install() -> None:
    share_parsed_models()
    lazy_instance_type_offerings()
    cache_module_list()
    lazy_url_builders()
