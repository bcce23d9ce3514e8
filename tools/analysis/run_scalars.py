# Copyright (c) OpenMMLab. All rights reserved.
"""The logged scalars of a training run, its resumed runs joined in order.

MMEngine's ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/
scalars.json`` (one JSON object a line) for every run in a work dir; a
``--resume`` starts a new timestamped folder that goes on from the
checkpoint's iteration. ``plot_curves.py``, ``plot_tradeoff.py`` and the
embedded default read the whole history through :func:`load_run`.

Training lines carry ``iter`` (their ``step`` is the iteration); val lines
do not (their ``step`` is the epoch, or the iteration in iteration-based
training).
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List


@dataclass
class RunScalars:
    """Scalars of one work dir, every run joined.

    Attributes:
        files: The ``scalars.json`` read, oldest first.
        train: Training lines, ascending ``step`` (iteration).
        val: Val lines, ascending ``step``.
        starts: ``{'train': [...], 'val': [...]}``: the first step of each
            run after the first one (where a resumed run took over).
    """
    files: List[str]
    train: List[dict] = field(default_factory=list)
    val: List[dict] = field(default_factory=list)
    starts: Dict[str, List[int]] = field(
        default_factory=lambda: dict(train=[], val=[]))


def scalars_files(work_dir: str) -> List[str]:
    """Every run's ``scalars.json`` in ``work_dir``, oldest first (the
    folders are named ``YYYYmmdd_HHMMSS``); ``work_dir`` may be one file.

    Raises:
        FileNotFoundError: None found.
    """
    if osp.isfile(work_dir):
        return [work_dir]
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'{work_dir}: no */vis_data/scalars.json; pass the work dir of '
            'a training run (its config needs LocalVisBackend, as '
            'configs/_base_/default_runtime.py has)')
    return files


def read_lines(path: str) -> List[dict]:
    """The JSON objects of one ``scalars.json`` (blank lines skipped).

    Raises:
        ValueError: A line is not JSON (names the file and line).
    """
    rows = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                raise ValueError(
                    f'{path} line {i}: not JSON (a run killed while '
                    'writing? delete that line)') from None
    return rows


def _join(runs: List[List[dict]], starts: List[int]) -> List[dict]:
    """Lines of several runs, each later run replacing everything an
    earlier one logged from its first step on (the work a resume redid)."""
    joined: List[dict] = []
    for i, rows in enumerate(runs):
        if not rows:
            continue
        first = min(r['step'] for r in rows)
        if joined:
            starts.append(first)
        joined = [r for r in joined if r['step'] < first] + sorted(
            rows, key=lambda r: r['step'])
    return joined


def load_run(work_dir: str) -> RunScalars:
    """All runs of ``work_dir``, joined (see the module docstring).

    A run without training lines (``Runner.val()`` in the same work dir)
    is left out unless no run trained.
    """
    files = scalars_files(work_dir)
    per_file = [read_lines(f) for f in files]
    trained = [i for i, rows in enumerate(per_file)
               if any('iter' in r for r in rows)]
    if trained:
        files = [files[i] for i in trained]
        per_file = [per_file[i] for i in trained]
    out = RunScalars(files=files)
    out.train = _join([[r for r in rows if 'iter' in r] for rows in per_file],
                      out.starts['train'])
    out.val = _join([[r for r in rows if 'iter' not in r]
                     for rows in per_file], out.starts['val'])
    return out
