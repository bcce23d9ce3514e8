# Copyright (c) OpenMMLab. All rights reserved.
"""Run a tools/ script inside the test process (a subprocess spends most
of its seconds importing torch and MMAction2)."""
import os.path as osp
import runpy
import sys
from typing import Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_tool_inprocess(script: str, *args: str) -> Tuple[bool, str]:
    """Run ``script`` (relative to the repo) with ``args``.

    Returns:
        tuple[bool, str]: Whether it failed, and its exit message or
        ``'<ErrorType>: <message>'``.
    """
    argv, path = sys.argv, list(sys.path)
    sys.argv = [script, *args]
    sys.path[:0] = [osp.join(REPO, osp.dirname(script))]
    try:
        runpy.run_path(osp.join(REPO, script), run_name='__main__')
    except SystemExit as e:
        return e.code not in (None, 0), str(e.code)
    except Exception as e:  # noqa: BLE001  (the tool's own error)
        return True, f'{type(e).__name__}: {e}'
    finally:
        sys.argv, sys.path[:] = argv, path
    return False, ''
