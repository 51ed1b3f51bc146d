"""The two header lines: who and where (profile, account, region, endpoint, read-only, data age),
then the panel tabs with their keys. Built as rich Text from sanitised parts: never markup."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.safe_text import clean


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar { height: 2; background: $panel; color: $foreground; text-wrap: nowrap; text-overflow: ellipsis; }
    HeaderBar.production { background: $error 40%; }
    """

    def show(self, *, profile: str, account: str, identity: str, region: str, endpoint: str, read_only: bool,
             data_age: str, tabs: list[tuple[str, str, bool, bool]], production: str = "") -> None:
        """tabs: (key, title, is_current, has_problems); production: the production accounts'
        names (aliases or ids) in scope, shown first and in their own colour."""
        self.set_class(bool(production), "production")
        line = Text()
        line.append(" watchkeeper ", style="bold reverse")
        if production:
            line.append(f" PRODUCTION {clean(production, limit=30)} ", style="bold reverse red")
        line.append(f" {clean(profile, limit=32)} ", style="bold")
        if account and account not in production:  # a production account is named in its badge
            line.append(f"{clean(account, limit=20)} ")
        if identity:
            line.append(f"{clean(identity, limit=28)} ", style="dim")
        line.append(f"{clean(region, limit=20)} ", style="bold")
        if endpoint:
            line.append(f"{clean(endpoint.removeprefix('https://').removeprefix('http://'), limit=28)} ",
                        style="italic")
        if read_only:
            line.append(" READ-ONLY ", style="bold reverse yellow")
            line.append(" ")
        line.append(f"data {clean(data_age, limit=20)}", style="dim")
        line.append("\n")
        for key, title, current, alarm in tabs:
            style = "bold reverse" if current else ("bold red" if alarm else "")
            line.append(f" {clean(key, limit=4)} {clean(title, limit=20)} ", style=style)
        line.no_wrap = True
        line.overflow = "ellipsis"
        self.update(line)
