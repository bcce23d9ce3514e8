# Copyright (c) OpenMMLab. All rights reserved.
"""Run a tools/ script inside the test process (a subprocess spends most
of its seconds importing torch and MMAction2)."""
import contextlib
import io
import os
import os.path as osp
import runpy
import sys
import traceback
from dataclasses import dataclass
from typing import Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_script(script: str, *args: str, cwd: str = REPO) -> Result:
    """``python script *args`` from ``cwd`` (default: the repository root),
    in this process: what ``subprocess.run`` would give (``sys.exit(msg)``
    is exit code 1 with ``msg`` on stderr; an uncaught exception is 1 with
    its traceback). ``script`` is relative to the repository."""
    out, err = io.StringIO(), io.StringIO()
    argv, old_cwd, path = sys.argv, os.getcwd(), list(sys.path)
    code = 0
    try:
        sys.argv = [script, *map(str, args)]
        sys.path[:0] = [osp.join(REPO, osp.dirname(script))]
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_path(osp.join(REPO, script),
                               run_name='__main__')
            except SystemExit as e:
                if isinstance(e.code, str):
                    err.write(e.code + '\n')
                    code = 1
                else:
                    code = int(e.code or 0)
            except Exception:  # noqa: BLE001  as an interpreter would
                traceback.print_exc(file=err)
                code = 1
    finally:
        sys.argv, sys.path[:] = argv, path
        os.chdir(old_cwd)
    return Result(code, out.getvalue(), err.getvalue())


def run_tool_inprocess(script: str, *args: str) -> Tuple[bool, str]:
    """Run ``script`` (relative to the repo) with ``args``.

    Returns:
        tuple[bool, str]: Whether it failed, and what it wrote to stderr
        (its exit message, or the traceback ending in
        ``'<ErrorType>: <message>'``).
    """
    res = run_script(script, *args)
    return res.returncode != 0, res.stderr.strip()
