"""``hall-admin review …``: the quarter's public review of the hardest sections (最难办事科室群众评).

    hall-admin review start --hall TL --quarter 2026Q4 [--sections BDC01,SJJ01] [--letter FILE]
    hall-admin review list [--hall TL]
    hall-admin review show REVIEW                      # sections, invitations, response rate
    hall-admin review invite REVIEW --list recipients.xlsx --letters letters.pdf
    hall-admin review invite REVIEW --blank 200 --letters open-sample.pdf
    hall-admin review paper REVIEW --code "6437 5494 8935 9774" --answer BDC01:tui,lan \\
        --answer SJJ01:none [--comment BDC01:让我跑了三趟] [--phone 13800138000]
    hall-admin review results REVIEW
    hall-admin review close REVIEW

Every command takes ``--json`` and then prints only JSON. ``invite`` prints the codes once (the
store keeps their hashes only): the letters' PDF is written in the same step.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from board.admin._cli import Commands, SetupError, admin_client
from sync.client import ApiError
from sync.review import PROBLEMS, format_code

__all__ = ["parse_answers", "register"]

_NONE = ("none", "ok", "无", "没有问题")


def _out(args: argparse.Namespace, data: Any, text: str) -> int:
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text)
    return 0


def _summary_text(r: dict[str, Any]) -> str:
    inv, resp = r["invitations"], r["responses"]
    rate = f"{r['response_rate'] * 100:.1f}%" if r["response_rate"] is not None else "-"
    state = "closed" if r["closed_at"] else "open"
    return (
        f"review {r['id']}: {r['title']} (hall {r['hall']}, {r['quarter']}, {state})\n"
        f"  sections taking part: {len(r['sections'])}\n"
        f"  invitations sent: {inv['sent']} ({inv['listed']} from lists, {inv['blank']} blank)\n"
        f"  answered: {resp['total']} ({resp['phone']} by phone, {resp['paper']} on paper); "
        f"response rate {rate}"
    )


def cmd_start(args: argparse.Namespace) -> int:
    letter = None
    if args.letter:
        try:
            letter = Path(args.letter).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise SetupError(f"cannot read {args.letter}: {e.strerror}") from None
    sections = [s.strip() for s in args.sections.split(",") if s.strip()] if args.sections else None
    with admin_client(args) as admin:
        r = admin.start_review(
            args.hall, args.quarter, sections=sections, title=args.title, letter=letter
        )
    return _out(args, r, _summary_text(r))


def cmd_list(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        rows = admin.reviews(args.hall)
    text = "\n".join(_summary_text(r) for r in rows) if rows else "no reviews"
    return _out(args, rows, text)


def cmd_show(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        r = admin.review(args.review)
    return _out(args, r, _summary_text(r))


def cmd_invite(args: argparse.Namespace) -> int:
    from board.letters import Letter, render_letters  # fpdf2 only when letters are made

    out: Path = args.letters
    if out.suffix.lower() != ".pdf":
        raise SetupError(f"{out}: the letters are written as a .pdf file")
    with admin_client(args) as admin:
        review = admin.review(args.review)
        if args.list:
            try:
                data = Path(args.list).read_bytes()
            except OSError as e:
                raise SetupError(f"cannot read {args.list}: {e.strerror}") from None
            try:
                made = admin.invite_from_list(args.review, data, Path(args.list).name)
            except ApiError as e:
                if e.status != 422 or not e.problems:
                    raise
                if args.json:
                    return _refused_json(e)
                print(f"{args.list}: refused, no invitation made ({len(e.problems)} problem(s)):")
                for p in e.problems:
                    print(f"  line {p['line']}, column {p['column']}: {p['message']}")
                return 1
        else:
            made = admin.invite_blank(args.review, args.blank)
        halls = {h["code"]: h["name"] for h in admin.halls()}
    names = {s["code"]: f"{s['unit_name']} {s['name']}" for s in review["sections"]}
    letters = [Letter.from_dict(i) for i in made["invitations"]]
    render_letters(
        letters,
        hall_name=halls.get(review["hall"], review["hall"]),
        title=review["title"],
        text=review["letter"],
        section_names=names,
        out=out,
    )
    data_out = made | {"letters": str(out)}
    text = (
        f"{len(letters)} invitation(s) for review {args.review}; letters written to {out} "
        "(one page each).\nThe codes are shown only now; the store keeps their hashes:\n"
        + "\n".join(f"  {format_code(x.code)}  {x.name}" for x in letters[:20])
        + (f"\n  … and {len(letters) - 20} more (in the PDF)" if len(letters) > 20 else "")
    )
    return _out(args, data_out, text)


def _refused_json(e: ApiError) -> int:
    json.dump({"detail": e.detail, "problems": e.problems}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1


def parse_answers(answers: list[str], comments: list[str] | None = None) -> list[dict[str, Any]]:
    """``["BDC01:tui,lan", "SJJ01:none"]`` → the API's answers; ``冷懒`` works as well."""
    chars = {ch: code for code, (ch, _) in PROBLEMS.items()}
    notes: dict[str, str] = {}
    for c in comments or []:
        section, sep, note = c.partition(":")
        if not sep or not section.strip():
            raise SetupError(f"--comment {c!r}: write SECTION:text")
        notes[section.strip()] = note.strip()
    out: list[dict[str, Any]] = []
    for a in answers:
        section, sep, marks = a.partition(":")
        section = section.strip()
        if not sep or not section:
            raise SetupError(f"--answer {a!r}: write SECTION:leng,tui or SECTION:none")
        problems: list[str] = []
        for part in marks.replace("，", ",").split(","):
            part = part.strip()
            if not part or part.lower() in _NONE:
                continue
            for token in [part] if part in PROBLEMS else list(part):
                code = token if token in PROBLEMS else chars.get(token)
                if code is None:
                    raise SetupError(
                        f"--answer {a!r}: {part!r} is none of leng lan tui luan tan (冷懒推乱贪) "
                        "or none"
                    )
                if code not in problems:
                    problems.append(code)
        item: dict[str, Any] = {"section": section, "problems": problems}
        if section in notes:
            item["comment"] = notes[section]
        out.append(item)
    return out


def cmd_paper(args: argparse.Namespace) -> int:
    answers = parse_answers(args.answer, args.comment)
    with admin_client(args) as admin:
        r = admin.enter_paper_form(args.review, args.code, answers, phone=args.phone)
    return _out(
        args,
        r,
        f"paper form entered for review {r['review']}: {r['sections']} section(s) "
        f"(response {r['response']}); its code now counts as answered",
    )


def cmd_results(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        r = admin.review_results(args.review)
    lines = [f"{'section':<8} {'answers':>7} {'hard':>5}  冷 懒 推 乱 贪  name"]
    for s in sorted(r["sections"], key=lambda s: (-s["with_problems"], -s["answers"], s["code"])):
        if not s["answers"]:
            continue
        p = s["problems"]
        marks = " ".join(f"{p[c]:>2}" for c in PROBLEMS)
        lines.append(
            f"{s['code']:<8} {s['answers']:>7} {s['with_problems']:>5}  {marks}  "
            f"{s['unit_name']} {s['name']}"
        )
    if len(lines) == 1:
        lines = ["no answers yet"]
    if r["callbacks"]:
        lines.append(f"{len(r['callbacks'])} call-back request(s) (--json shows them)")
    return _out(args, r, "\n".join(lines))


def cmd_close(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        r = admin.close_review(args.review)
    return _out(args, r, _summary_text(r))


def register(commands: Commands) -> None:
    g = commands.group("review", "the quarter's public review of the hardest sections")

    def add(name: str, func: Any, help: str) -> argparse.ArgumentParser:
        c = g.add(name, func, help)
        c.add_argument("--json", action="store_true", help="print only JSON")
        return c

    c = add("start", cmd_start, "start a hall's review for a quarter")
    c.add_argument("--hall", required=True)
    c.add_argument("--quarter", required=True, help="e.g. 2026Q4")
    c.add_argument("--sections", help="section codes, comma-separated (default: all)")
    c.add_argument("--title", help="default: 2026年第四季度最难办事科室群众评")
    c.add_argument("--letter", help="a UTF-8 text file with the hall's words for the letters")
    c = add("list", cmd_list, "every review with its response rate")
    c.add_argument("--hall")
    c = add("show", cmd_show, "a review: sections, invitations sent, answers, response rate")
    c.add_argument("review", type=int)
    c = add("invite", cmd_invite, "make invitations and write their letters as one PDF")
    c.add_argument("review", type=int)
    which = c.add_mutually_exclusive_group(required=True)
    which.add_argument("--list", help="recipients: CSV/XLSX with name, address, phone, sections")
    which.add_argument("--blank", type=int, help="this many blank invitations (open sample)")
    c.add_argument("--letters", type=Path, required=True, help="the PDF to write")
    c = add("paper", cmd_paper, "type in a returned paper form with its code")
    c.add_argument("review", type=int)
    c.add_argument("--code", required=True, help="the 16 digits on the form")
    c.add_argument(
        "--answer",
        action="append",
        required=True,
        help="SECTION:leng,tui (or 冷推) or SECTION:none; once per section",
    )
    c.add_argument("--comment", action="append", help="SECTION:text, as written on the form")
    c.add_argument("--phone", help="the call-back number written on the form")
    c = add("results", cmd_results, "answers per section and the call-back requests")
    c.add_argument("review", type=int)
    c = add("close", cmd_close, "end the review: its codes are refused from now on")
    c.add_argument("review", type=int)
