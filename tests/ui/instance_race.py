"""One launch in a race, as a program: ``python -m tests.ui.instance_race DATA_FOLDER OTHERS DOOR``.

Prints "ready" and waits for a line on stdin (the starting gun, so that launches really race),
then claims the instance. The loser prints "handed over" and exits 0; the winner prints
"claimed", counts the other launches' knocks, and prints "knocks N" once all OTHERS have knocked
(or after 60 s). With OTHERS = -1 the winner only claims and waits (to be killed: a crash).
DOOR: "platform" (this system's), or "local-server" (Windows' QLocalServer, run here over a Unix socket).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from algomesh_tray.qt.local_server_door import LocalServerDoor
from algomesh_tray.qt.single_instance import SingleInstance, server_name


class Winner:
    """Counts knocks; quits when every other launch has knocked."""

    def __init__(self, app: QCoreApplication, others: int) -> None:
        self.app, self.others, self.knocks = app, others, 0

    def on_show_requested(self) -> None:
        self.knocks += 1
        if self.knocks == self.others:
            self.app.quit()


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    folder, others, door = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if door == "local-server":
        instance = SingleInstance(folder, door=LocalServerDoor(server_name(folder)))
    else:
        instance = SingleInstance(folder)
    print("ready", flush=True)
    sys.stdin.readline()
    if not instance.claim():
        print("handed over", flush=True)
        return 0
    print("claimed", flush=True)
    winner = Winner(app, others)
    instance.show_requested.connect(winner.on_show_requested)
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    print(f"knocks {winner.knocks}", flush=True)
    instance.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
