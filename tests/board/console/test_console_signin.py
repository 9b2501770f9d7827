"""The sign-in form: a sentence for every refusal; the server and the name remembered, never the
password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from board._qt.console.app import ConsolePrefs
from board._qt.console.qt_signin import SignInWindow
from sync.client import ApiError, OperatorSession


def _form(qtbot, sign_in, prefs: ConsolePrefs | None = None) -> SignInWindow:  # type: ignore[no-untyped-def]
    form = SignInWindow(prefs or ConsolePrefs(), "http://127.0.0.1:8600", sign_in_fn=sign_in)
    qtbot.addWidget(form)
    form.show()
    return form


def _fill(qtbot, form: SignInWindow, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    form.name.setText(name)
    form.password.setText(password)
    form.password.setFocus()
    qtbot.keyClick(form.password, Qt.Key.Key_Return)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (ApiError(401, "wrong name or password"), "用户名或密码不正确"),
        (
            ApiError(
                429, "account li.na is locked after repeated wrong passwords; try again in 15 min"
            ),
            "该账号已被暂时锁定：account li.na is locked",
        ),
        (ApiError(429, "too many attempts; retry in 4 s"), "尝试次数过多，请稍后再试"),
        (ApiError(403, "account li.na is disabled; ask the hall office"), "该账号已停用"),
        (ApiError(0, "cannot reach the server"), "无法连接服务器 http://127.0.0.1:8600"),
    ],
)
def test_every_refusal_has_its_sentence_and_the_password_is_cleared(
    qtbot, error: ApiError, words: str
) -> None:  # type: ignore[no-untyped-def]
    def refuse(server: str, name: str, password: str) -> OperatorSession:
        raise error

    form = _form(qtbot, refuse)
    _fill(qtbot, form, "li.na", "secret-1")
    qtbot.waitUntil(lambda: words in form.message.text(), timeout=5000)
    assert form.password.text() == "" and form.button.isEnabled()


def test_missing_fields_are_named_before_anything_is_sent(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def never(server: str, name: str, password: str) -> OperatorSession:
        calls.append(name)
        raise AssertionError("must not be called")

    form = _form(qtbot, never)
    _fill(qtbot, form, "li.na", "")
    assert "请填写服务器地址、用户名和密码" in form.message.text()
    assert calls == []


def test_signing_in_hands_over_the_session_and_remembers_no_password(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console.qt_session import ConsoleShell

    session = OperatorSession(
        token="tok-123",
        expires_at=datetime.now(UTC) + timedelta(hours=9),
        name="yjj.liu",
        role="unit",
        halls=("TL",),
        unit="YJJ",
    )
    seen: list[tuple[str, str, str]] = []

    def accept(server: str, name: str, password: str) -> OperatorSession:
        seen.append((server, name, password))
        return session

    prefs = ConsolePrefs(name="yjj.liu")
    form = _form(qtbot, accept, prefs)
    assert form.name.text() == "yjj.liu" and form.password.text() == ""
    got: list[object] = []
    form.signed_in.connect(lambda token, identity: got.append((token, identity)))
    _fill(qtbot, form, "yjj.liu", "correct horse")
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    token, identity = got[0]  # type: ignore[misc]
    assert token == "tok-123"
    assert (identity.name, identity.role, identity.halls, identity.unit) == (
        "yjj.liu",
        "unit",
        ("TL",),
        "YJJ",
    )
    assert seen == [("http://127.0.0.1:8600", "yjj.liu", "correct horse")]

    # The shell remembers the server and the name, never the password or the token.
    shell = ConsoleShell(ConsolePrefs(), server="http://127.0.0.1:9")
    shell.form = form
    monkeypatch.setattr(shell, "open_console", lambda token, identity: None)
    shell._on_signed_in("tok-123", identity)
    text = ConsolePrefs.path().read_text(encoding="utf-8")
    assert "yjj.liu" in text and "127.0.0.1:8600" in text
    assert "correct horse" not in text and "tok-123" not in text
    assert ConsolePrefs.load().name == "yjj.liu"
    shell.stop()
