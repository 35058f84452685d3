#!/usr/bin/env bash
# Install AlgoMesh Tray from this folder (into .venv, once) and start it.
# If no AlgoMesh engine answers on localhost:52000, it starts with the built-in demo engine.
# Extra arguments go to the app, e.g. ./start.sh --port 52001
set -euo pipefail
cd "$(dirname "$0")"
VENV=${ALGOMESH_VENV:-.venv}
if [[ ! -x $VENV/bin/python ]]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
stamp=$VENV/.app-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -e $stamp ]]; then
  echo "Installing AlgoMesh Tray and its dependencies into $VENV …"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e .
  touch "$stamp"
fi
if [[ $(uname) == Linux ]] && command -v ldconfig >/dev/null && ! ldconfig -p | grep -q libxcb-cursor.so.0; then
  echo "Qt needs libxcb-cursor0 on Linux: sudo apt-get install libxcb-cursor0" >&2
fi
arguments=("$@")
if ((${#arguments[@]} == 0)) && ! "$VENV/bin/python" - <<'PY'
import socket, sys
try:
    socket.create_connection(("localhost", 52000), timeout=1).close()
except OSError:
    sys.exit(1)
PY
then
  echo "No AlgoMesh engine on localhost:52000: starting with the built-in demo engine."
  arguments=(--demo)
fi
exec "$VENV/bin/algomesh-tray" "${arguments[@]}"
