"""``python -m pycarl ...`` is the `pycarl` command."""
import sys

from .cli import main

sys.exit(main())
