"""``python -m board.admin``: the same as ``hall-admin``."""

import sys

from board.admin import main

sys.exit(main())
