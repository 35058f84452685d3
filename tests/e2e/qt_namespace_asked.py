"""Runs a console script (the first argument, the rest its own) as that program, and answers, on
a line of output, whether PySide6 has built its ``Qt`` namespace, each time a line is written into
the named pipe ``$QT_NAMESPACE_FIFO`` (a thread waits on it: the program runs as it would alone).

PySide6 builds ``Qt`` (93 enum classes, 1.9 MB) at its first use, and a bare tray icon never uses it.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading

ANSWER = "Qt namespace built: "


def _answer(fifo: str) -> None:
    while True:
        with open(fifo) as asked:  # blocks until the test opens it to ask
            for _ in asked:
                core = sys.modules.get("PySide6.QtCore")
                print(f"{ANSWER}{core is not None and 'Qt' in vars(core)}", flush=True)


if __name__ == "__main__":
    threading.Thread(target=_answer, args=(os.environ["QT_NAMESPACE_FIFO"],), daemon=True).start()
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
