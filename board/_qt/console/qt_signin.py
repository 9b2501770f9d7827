"""The sign-in form: server address, name, password; a clear sentence for every refusal.

The server and the name are filled in from last time; the password never is, and is never
written anywhere. Signing in runs on a worker thread of its own (there is no client yet), and
the answer comes back by signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.app import ConsolePrefs
from board._qt.console.qt_common import Identity
from board._qt.console.qt_worker import as_api_error
from board._qt.console.texts import Lang, Tr
from sync.client import ApiError, OperatorSession, sign_in

__all__ = ["SignInWindow", "refusal_text"]


def refusal_text(tr: Tr, error: ApiError, server: str) -> str:
    """What a refused sign-in means, in a sentence an operator can act on."""
    if error.status == 0:
        return tr("signin_unreachable", server=server)
    if error.status == 401:
        return tr("signin_wrong")
    if error.status == 429:
        key = "signin_locked" if "lock" in error.detail.lower() else "signin_wait"
        return tr(key, message=error.detail)
    if error.status == 403:
        return tr("signin_disabled", message=error.detail)
    if error.status in (404, 405):
        return tr("signin_unsupported")
    return tr("server_said", message=error.detail) + f" (HTTP {error.status})"


class SignInWindow(QWidget):
    """Server, name, password and a button; emits ``signed_in(token, identity)``."""

    signed_in = Signal(str, object)  # the session's token, Identity
    _answered = Signal(object, object)  # OperatorSession | None, ApiError | None

    def __init__(
        self,
        prefs: ConsolePrefs,
        server: str,
        *,
        lang: Lang = "zh",
        message: str = "",
        sign_in_fn: Callable[[str, str, str], OperatorSession] = sign_in,
    ) -> None:
        super().__init__()
        self.tr_ = tr = Tr(lang)
        self._sign_in = sign_in_fn
        self._thread: threading.Thread | None = None
        self.setWindowTitle(tr("app_title"))
        self.setStyleSheet(
            "QWidget { font-size: 17px; } QLabel#title { font-size: 26px; font-weight: bold; }"
            " QLineEdit, QPushButton { padding: 6px; }"
            " #card { background: white; border: 1px solid #C8C8C8;"
            " border-radius: 8px; } QLineEdit:focus, QPushButton:focus { border: 2px solid #E08A00; }"
        )
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(580)
        box = QVBoxLayout(card)
        box.setContentsMargins(32, 28, 32, 28)
        title = QLabel(tr("signin_title"))
        title.setObjectName("title")
        box.addWidget(title)
        form = QFormLayout()
        self.server = QLineEdit(server)
        self.name = QLineEdit(prefs.name)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(tr("server"), self.server)
        form.addRow(tr("operator"), self.name)
        form.addRow(tr("password"), self.password)
        box.addLayout(form)
        self.button = QPushButton(tr("sign_in"))
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button.clicked.connect(self.submit)
        for edit in (self.server, self.name, self.password):
            edit.returnPressed.connect(self.submit)
        box.addWidget(self.button)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #A4262C;")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.message)
        hint = QLabel(tr("signin_hint"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #4A4A4A;")
        box.addWidget(hint)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self._answered.connect(self._on_answer)
        self.resize(1366, 768)
        (self.password if prefs.name else self.name).setFocus()

    def submit(self) -> None:
        server = self.server.text().strip()
        name, password = self.name.text().strip(), self.password.text()
        if not (server and name and password):
            self.message.setText(self.tr_("signin_missing"))
            return
        if self._thread is not None:
            return
        self.button.setEnabled(False)
        self.message.setText(self.tr_("signing_in"))

        def work() -> None:
            try:
                session, error = self._sign_in(server, name, password), None
            except Exception as e:  # every failure becomes a sentence on the form
                session, error = None, as_api_error(e)
            self._answered.emit(session, error)

        self._thread = threading.Thread(target=work, name="console-sign-in", daemon=True)
        self._thread.start()

    def _on_answer(self, session: OperatorSession | None, error: ApiError | None) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.button.setEnabled(True)
        self.password.clear()
        server = self.server.text().strip()
        if error is not None or session is None:
            self.message.setText(refusal_text(self.tr_, error or ApiError(-1, "?"), server))
            self.password.setFocus()
            return
        self.message.clear()
        identity = Identity(server, session.name, session.role, tuple(session.halls), session.unit)
        self.signed_in.emit(session.token, identity)

    def closeEvent(self, event: Any) -> None:
        if self._thread is not None:
            self._thread.join(15)
        super().closeEvent(event)
