#!/usr/bin/env bash
# The README's Quick start. On a fresh Linux x86_64 machine with Python 3.11:
#   bash tools/quickstart.sh demo   # install, then the embedded default
#   bash tools/quickstart.sh test   # install, then the test suite
# VENV (default .venv) selects the virtual environment; it is created and
# filled once, then reused.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-demo}
VENV=${VENV:-.venv}
PY="$VENV/bin/python"

if [ ! -x "$PY" ] || ! "$PY" -c 'import pytest, importlib.metadata as m; m.version("mote_mmaction")' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$PY" -m pip install -q -U pip
    # torch and torchvision in one command (a matching pair), every pin
    # explained in requirements/runtime.txt.
    "$PY" -m pip install -q -r requirements/install.txt
    "$PY" -m pip install -q -e ".[tests]"
    # mim train/test; --no-deps: its openxlab pin downgrades setuptools
    # (the rest of its deps are in requirements/tests.txt).
    "$PY" -m pip install -q --no-deps openmim==0.3.9
fi

case "$what" in
    demo) "$PY" tools/run_embedded_default.py "${@:2}" ;;
    test) "$PY" -m pytest tests -q "${@:2}" ;;
    *) echo "usage: $0 {demo|test} [args...]" >&2; exit 2 ;;
esac
