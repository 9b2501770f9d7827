"""``--json`` for any ``hall-admin`` command: then it prints only JSON on stdout.

    c = commands.add("list", cmd_list, "…"); add_json_flag(c)
    ...
    if args.json:
        print_json(rows)  # UTF-8 as is (Chinese names readable), dates as ISO 8601

Refusals still go to stderr with exit status 1 (2 for a setup problem), so a script reads stdout
only when the status is 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_json_flag", "print_json"]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print only JSON (for scripts)")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
