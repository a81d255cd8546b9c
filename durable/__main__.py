"""``python -m durable``: the ``durable`` command (see :mod:`durable.cli`)."""

from __future__ import annotations

import sys

from durable.cli import main

if __name__ == "__main__":
    sys.exit(main())
