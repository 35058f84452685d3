"""``python -m algomesh_tray``: the same as the ``algomesh-tray`` command."""

import sys

from .cli import main

sys.exit(main())
