# Copyright (c) OpenMMLab. All rights reserved.
"""The package's layering holds (import-linter contracts in
pyproject.toml), and a train/test run imports no tool code."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
LINT = osp.join(osp.dirname(sys.executable), 'lint-imports')


def lint(root: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=root)
    return subprocess.run([LINT, '--config', 'pyproject.toml', '--no-cache'],
                          cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_layer_contracts_are_kept():
    res = lint(REPO)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert 'Contracts: 2 kept, 0 broken.' in res.stdout


@pytest.mark.parametrize('module,line,broken', [
    # an upward import: compat (the bottom) imports a tool library
    ('compat/atomic_io.py', 'from ..toolkit import demo  # noqa\n',
     'Layers'),
    # a cycle between two sibling modules of one layer
    ('models/deploy.py', 'from . import official_ckpt  # noqa\n',
     'No import cycles'),
])
def test_a_violation_breaks_the_contracts(tmp_path, module, line, broken):
    shutil.copytree(osp.join(REPO, 'mote_mmaction'),
                    tmp_path / 'mote_mmaction',
                    ignore=shutil.ignore_patterns('__pycache__', '.mim'))
    shutil.copy(osp.join(REPO, 'pyproject.toml'), tmp_path)
    path = tmp_path / 'mote_mmaction' / module
    path.write_text(path.read_text() + line)
    res = lint(str(tmp_path))
    assert res.returncode != 0
    assert f'{broken}' in res.stdout and 'BROKEN' in res.stdout, res.stdout


def test_import_loads_no_tool_code():
    code = ('import sys, mote_mmaction; print(sorted(m for m in sys.modules '
            'if m.startswith(("mote_mmaction.toolkit", '
            '"mote_mmaction.testing"))))')
    res = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == '[]'
