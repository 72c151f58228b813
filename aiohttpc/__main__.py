"""``python -m aiohttpc``: see ``aiohttpc.cli``."""

import sys

from .cli import main

sys.exit(main())
