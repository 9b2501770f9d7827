"""``hall-admin review`` against a real server: letters as one PDF whose QR codes decode back to
their phone-page URLs, paper forms typed in, each code counted once, the response rate."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from board.admin import main as hall_admin
from sync.client import PUBLIC_REVIEW_ANSWERS_PATH, AdminClient
from sync.review import format_code
from tests.helpers.programs import program
from tests.helpers.server import start_server

RECIPIENTS = (
    "姓名,地址,电话,科室\n"
    "王芳,重庆市铜梁区巴川街道龙城大道1号,,BDC01;企业注册科\n"
    "李强,重庆市铜梁区东城街道金龙大道8号,13800138000,区民政局/殡仪馆\n"
    "赵敏,,13900139000,\n"
)


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("HALL_SERVER_URL", "HALL_ADMIN_TOKEN", "HALL_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = hall_admin([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def decode_qr_codes(pdf: Path, tmp: Path) -> list[str]:
    """Every page of the PDF rendered at 150 dpi, its QR code read back, in page order."""
    subprocess.run(
        [program("pdftoppm"), "-png", "-r", "150", str(pdf), str(tmp / "page")],
        check=True,
        timeout=120,
    )
    found = []
    for png in sorted(tmp.glob("page-*.png")):
        r = subprocess.run(
            [program("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, f"no QR code found on {png.name}: {r.stderr}"
        found.append(r.stdout.strip())
    return found


def test_letters_codes_paper_and_phone_each_code_once(
    tmp_path: Path,
    demo_roster_path: Path,
    admin_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    srv = start_server(tmp_path / "srv")
    try:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(demo_roster_path)
        admin_env.setenv("HALL_SERVER_URL", srv.url)
        admin_env.setenv("HALL_DATA_DIR", str(srv.data_dir))

        code, review = run(capsys, "review", "start", "--hall", "TL", "--quarter", "2026Q4")
        assert code == 0 and len(review["sections"]) == 101
        rid = str(review["id"])

        recipients = tmp_path / "名单.csv"
        recipients.write_text(RECIPIENTS, encoding="utf-8-sig")
        letters = tmp_path / "letters.pdf"
        code, made = run(
            capsys, "review", "invite", rid, "--list", str(recipients), "--letters", str(letters)
        )
        assert code == 0
        invitations = made["invitations"]
        assert [i["name"] for i in invitations] == ["王芳", "李强", "赵敏"]
        assert invitations[1]["sections"] == ["MZJ03"]  # 区民政局/殡仪馆

        # One page per letter; each page's QR code is its invitation's phone-page URL.
        pages = tmp_path / "pages"
        pages.mkdir()
        urls = decode_qr_codes(letters, pages)
        assert urls == [i["url"] for i in invitations]
        assert all(
            u == f"{srv.url}/rate?code={i['code']}" for u, i in zip(urls, invitations, strict=True)
        )
        text = subprocess.run(
            [program("pdftotext"), "-layout", str(letters), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert text.count("邀请函") == 3 and "纸质评议表" in text
        assert format_code(invitations[0]["code"]) in text
        assert "区不动产登记中心 登记受理科" in text and "王芳 收" in text
        fonts = subprocess.run(
            [program("pdffonts"), str(letters)], capture_output=True, text=True, check=True
        ).stdout
        assert "WenQuanYi" in fonts and " yes " in fonts  # the CJK font is embedded

        first, second, third = (i["code"] for i in invitations)
        # Paper first: typed in with spaces as printed; the phone then finds the code used.
        code, entered = run(
            capsys,
            "review", "paper", rid, "--code", format_code(first),
            "--answer", "BDC01:推,lan", "--answer", "SJJ01:none",
            "--comment", "BDC01:让我跑了三趟",
        )  # fmt: skip
        assert code == 0 and entered["sections"] == 2
        public = f"{srv.url}{PUBLIC_REVIEW_ANSWERS_PATH}"
        answers = [{"section": "MZJ03", "problems": ["leng"]}]
        r = httpx.post(public, json={"code": first, "answers": answers})
        assert r.status_code == 409
        # Phone first: a paper form with that code is then refused.
        r = httpx.post(public, json={"code": second, "answers": answers, "client_id": "phone-0001"})
        assert r.status_code == 201, r.text
        assert hall_admin(["review", "paper", rid, "--code", second, "--answer", "MZJ03:none"]) == 1
        assert "已经用过" in capsys.readouterr().err

        code, shown = run(capsys, "review", "show", rid)
        assert shown["invitations"] == {"sent": 3, "listed": 3, "blank": 0}
        assert shown["responses"] == {"phone": 1, "paper": 1, "total": 2}
        assert shown["response_rate"] == pytest.approx(2 / 3, abs=1e-4)
        code, results = run(capsys, "review", "results", rid)
        bdc = next(s for s in results["sections"] if s["code"] == "BDC01")
        assert bdc["problems"]["tui"] == 1 and bdc["comments"] == ["让我跑了三趟"]

        # The open sample: blank letters, no addressee.
        blank = tmp_path / "blank.pdf"
        code, made = run(capsys, "review", "invite", rid, "--blank", "2", "--letters", str(blank))
        assert code == 0 and [i["name"] for i in made["invitations"]] == ["", ""]
        more = tmp_path / "more"
        more.mkdir()
        assert decode_qr_codes(blank, more) == [i["url"] for i in made["invitations"]]
        assert third not in {i["code"] for i in made["invitations"]}

        code, listed = run(capsys, "review", "list", "--hall", "TL")
        assert [r["id"] for r in listed] == [review["id"]]
        assert listed[0]["invitations"]["sent"] == 5
        code, closed = run(capsys, "review", "close", rid)
        assert code == 0 and closed["closed_at"]
        r = httpx.post(public, json={"code": third, "answers": answers})
        assert r.status_code == 403  # closed: the unanswered letters no longer count
    finally:
        srv.stop()
    assert srv.admin_token not in srv.log_text()


def test_a_bad_recipient_list_is_named_line_by_line_and_makes_no_letters(
    tmp_path: Path,
    demo_roster_path: Path,
    admin_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    srv = start_server(tmp_path / "srv")
    try:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(demo_roster_path)
            rid = str(admin.start_review("TL", "2026Q4", sections=["BDC01", "SJJ01"])["id"])
        admin_env.setenv("HALL_SERVER_URL", srv.url)
        admin_env.setenv("HALL_DATA_DIR", str(srv.data_dir))
        bad = tmp_path / "bad.csv"
        bad.write_text("name,address,sections\n甲,某地,BDC01\n乙,,\n丙,某地,MZJ03\n", "utf-8")
        letters = tmp_path / "letters.pdf"
        code = hall_admin(["review", "invite", rid, "--list", str(bad), "--letters", str(letters)])
        out = capsys.readouterr().out
        assert code == 1 and not letters.exists()
        assert "line 3, column address" in out
        assert "line 4, column sections" in out and "MZJ03" in out  # not taking part
    finally:
        srv.stop()
