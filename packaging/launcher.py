"""Entry point frozen by PyInstaller: the same as the ``algomesh-tray`` command."""

import sys

from algomesh_tray.cli import main

if __name__ == "__main__":
    sys.exit(main())
