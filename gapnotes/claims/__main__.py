"""``python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]``."""

import sys

from .ledger import main

sys.exit(main())
