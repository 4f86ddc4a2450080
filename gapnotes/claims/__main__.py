"""``python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]`` or ``--rejudge FILE ...``."""

import sys

from .runner import main

sys.exit(main())
