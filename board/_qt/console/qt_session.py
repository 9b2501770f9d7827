"""From start to signed in: the admin token opens the console at once, else the sign-in form.

``ConsoleShell`` owns the worker and whichever window is up (the sign-in form or the console),
and remembers the server, the name, the language and the hall (never the password).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from board._qt.console.app import ConsolePrefs
from board._qt.console.qt_common import Identity
from board._qt.console.qt_window import ConsoleWindow
from board._qt.console.qt_worker import ApiWorker, Client
from board._qt.console.texts import Lang, Tr
from sync.client import DEFAULT_SERVER_URL

__all__ = ["ConsoleShell"]

log = logging.getLogger(__name__)


class ConsoleShell(QObject):
    """Shows the sign-in form or the console window; owns the one API worker."""

    def __init__(
        self, prefs: ConsolePrefs, *, server: str | None = None, token: str | None = None
    ) -> None:
        super().__init__()
        self.prefs = prefs
        self.server = server or prefs.server or DEFAULT_SERVER_URL
        self.token = token
        self.api = ApiWorker()
        self.window: ConsoleWindow | None = None

    def start(self) -> None:
        if self.token:
            self.open_console(self.token, Identity(self.server, "admin", "admin"))
        else:
            self.show_sign_in()

    def show_sign_in(self, message: str = "") -> None:
        from board._qt.console.qt_signin import SignInWindow

        form = SignInWindow(self.prefs, self.server, lang=self.prefs.lang, message=message)
        form.signed_in.connect(self._on_signed_in)
        form.show()
        self.form = form

    def _on_signed_in(self, token: str, identity: Identity) -> None:
        self.prefs.server, self.prefs.name = identity.server, identity.name
        self.prefs.save()
        self.form.close()
        self.form.deleteLater()
        self.open_console(token, identity)

    def open_console(self, token: str, identity: Identity) -> ConsoleWindow:
        server = identity.server
        self.api.set_client(Client(server, token))
        window = ConsoleWindow(
            self.api,
            identity,
            lang=self.prefs.lang,
            hall=self.prefs.hall or None,
            on_language=self._on_language,
            client_factory=lambda: Client(server, token),
        )
        window.ctx.hall_changed.connect(self._remember_hall)
        window.signed_out.connect(self._on_sign_out)
        window.session_ended.connect(self._on_session_ended)
        window.show()
        self.window = window
        return window

    def _on_language(self, lang: Lang) -> None:
        self.prefs.lang = lang
        self.prefs.save()

    def _remember_hall(self) -> None:
        if self.window is not None and self.window.ctx.hall:
            if self.prefs.hall != self.window.ctx.hall:
                self.prefs.hall = self.window.ctx.hall
                self.prefs.save()

    def _on_sign_out(self, message: str = "", *, tell_server: bool = True) -> None:
        window, self.window = self.window, None
        if window is not None:
            if tell_server and window.identity.role != "admin":
                # Queued before the client is dropped below: it runs with this session's token.
                self.api.run(lambda c: c.sign_out(), on_error=lambda _e: None)
            window.close()
            window.deleteLater()
        self.api.set_client(None)
        self.token = None
        self.show_sign_in(message)

    def _on_session_ended(self, reason: str) -> None:
        message = Tr(self.prefs.lang)("session_ended", message=reason)
        self._on_sign_out(message, tell_server=False)

    def stop(self) -> None:
        self.api.stop()
