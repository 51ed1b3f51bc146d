"""The SSO device login: the URL and code to open in any browser (over SSH, on the laptop), then a
wait for the approval; the token lands in the AWS CLI's cache. esc cancels."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.errors import explain
from tui.identity.sso import SsoError, finish, settings_of, start
from tui.safe_text import clean
from tui.session import AwsSession


class SsoLoginScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    SsoLoginScreen { align: center middle; }
    SsoLoginScreen > Vertical { width: 76; max-width: 95%; height: auto; border: thick $primary;
                                background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, aws: AwsSession) -> None:
        super().__init__()
        self.aws = aws

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Sign in: {clean(self.aws.profile_name, limit=60)} (IAM Identity Center)",
                              style="bold"))
            yield Static(Text("Asking for a sign-in code…"), id="body")

    def on_mount(self) -> None:
        self.login()

    @work(thread=True, exit_on_error=False, group="sso")
    def login(self) -> None:
        worker = get_current_worker()
        try:
            settings = settings_of(self.aws.profile_name)
            if settings is None:
                raise SsoError(f"Profile {self.aws.profile_name} does not use IAM Identity Center.")
            oidc = AwsSession(region=settings.region, endpoint_url=self.aws.endpoint_url).client("sso-oidc")
            device = start(oidc, settings)
            self.app.call_from_thread(self.show_code, device.url, device.user_code)
            finish(oidc, device, cancelled=lambda: worker.is_cancelled)
        except Exception as exc:
            if not worker.is_cancelled:
                message = str(exc) if isinstance(exc, SsoError) else explain(exc)
                self.app.call_from_thread(self.failed, message)
            return
        self.app.call_from_thread(self.dismiss, True)

    def show_code(self, url: str, code: str) -> None:
        self.app.copy_to_clipboard(url)  # OSC 52: reaches the laptop's clipboard over SSH too
        self.query_one("#body", Static).update(Text.assemble(
            "Open this URL in a browser (copied to your clipboard), on any machine:\n\n",
            (clean(url, limit=300), "bold underline"), "\n\nand check the code is ", (clean(code, limit=40), "bold"),
            ".\n\nWaiting for the approval… (esc cancels)"))

    def failed(self, message: str) -> None:
        self.query_one("#body", Static).update(Text(clean(message, limit=600), style="red"))

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "sso")
        self.dismiss(False)
