# Copyright (c) OpenMMLab. All rights reserved.
"""Reports of the few-shot and base-to-novel protocols from test runs.

A test run (``tools/test.py CFG CKPT --work-dir DIR``) leaves its metrics
in ``DIR/<timestamp>/<timestamp>.json`` (MMEngine's ``LoggerHook``, one
JSON object). The reports find the newest such file of each run and tell
the runs apart by their paths (``k16_seed1``, ``seed2/novel``).
Standard library only.
"""
import glob
import json
import os.path as osp
import re
from typing import Dict, Mapping, Sequence, Tuple

from .zeroshot_report import harmonic_mean, mean_std


def read_test_top1(run: str, metric: str = 'acc/top1') -> float:
    """Top-1 (percent) of the newest test of a run.

    Args:
        run (str): A test work dir, or one metrics JSON file.
        metric (str): Key in the metrics, in [0, 1]. Defaults to
            ``'acc/top1'``.

    Returns:
        float: ``100 * metric``.

    Raises:
        FileNotFoundError: No test metrics under ``run``.
        KeyError: The newest metrics lack ``metric``.
    """
    if osp.isfile(run):
        files = [run]
    else:
        # <work_dir>/<timestamp>/<timestamp>.json, newest timestamp last
        files = sorted(
            f for f in glob.glob(osp.join(run, '*', '*.json'))
            if osp.splitext(osp.basename(f))[0] == osp.basename(
                osp.dirname(f)))
    if not files:
        raise FileNotFoundError(
            f'{run}: no test metrics (<timestamp>/<timestamp>.json from '
            'tools/test.py --work-dir)')
    with open(files[-1], encoding='utf-8') as f:
        try:
            metrics = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{files[-1]}: not a metrics JSON ({e})') \
                from None
    if not isinstance(metrics, dict) or metric not in metrics:
        found = sorted(metrics) if isinstance(metrics, dict) else []
        raise KeyError(f'{files[-1]}: no {metric!r} in the test metrics '
                       f'(found {found})')
    return 100.0 * float(metrics[metric])


def tags(path: str, pattern: str) -> Dict[str, str]:
    """Named groups of ``pattern`` searched in a run's path.

    Raises:
        ValueError: The path does not match.
    """
    m = re.search(pattern, path.replace('\\', '/'))
    if m is None:
        raise ValueError(f'{path}: does not match {pattern!r}; name the '
                         'work dirs after the protocol (or pass --pattern)')
    return m.groupdict()


def fewshot_summary(results: Mapping[Tuple[int, int], float]) -> dict:
    """Top-1 mean +- std over seeds per K.

    Args:
        results (Mapping[tuple[int, int], float]): ``(K, seed) -> top-1``.

    Returns:
        dict: ``{'shots': {K: {mean, std, n, seeds: {seed: top1}}}}``, K
        ascending.
    """
    out = {}
    for k in sorted({k for k, _ in results}):
        seeds = {s: results[(kk, s)] for kk, s in sorted(results) if kk == k}
        out[k] = dict(**mean_std(list(seeds.values())), seeds=seeds)
    return dict(shots=out)


def base2novel_summary(
        results: Mapping[int, Mapping[str, float]]) -> dict:
    """Base, novel and their harmonic mean over seeds.

    Args:
        results (Mapping[int, Mapping[str, float]]): ``seed -> {'base':
            top1, 'novel': top1}``.

    Returns:
        dict: ``seeds`` (per seed base/novel/hm), ``base``, ``novel`` and
        ``hm_per_seed`` (mean/std/n), and ``hm``, the harmonic mean of the
        mean base and mean novel accuracy (the number ViFi-CLIP and
        FROSTER report).

    Raises:
        ValueError: A seed without both halves.
    """
    seeds = {}
    for seed in sorted(results):
        halves = results[seed]
        missing = [h for h in ('base', 'novel') if h not in halves]
        if missing:
            raise ValueError(f'seed {seed}: no {" and ".join(missing)} '
                             'test result')
        seeds[seed] = dict(base=halves['base'], novel=halves['novel'],
                           hm=harmonic_mean([halves['base'],
                                             halves['novel']]))
    if not seeds:
        raise ValueError('no base-to-novel results')
    out = dict(seeds=seeds)
    for key in ('base', 'novel'):
        out[key] = mean_std([s[key] for s in seeds.values()])
    out['hm_per_seed'] = mean_std([s['hm'] for s in seeds.values()])
    out['hm'] = harmonic_mean([out['base']['mean'], out['novel']['mean']])
    return out


def format_fewshot(summary: dict) -> str:
    """Plain-text table of :func:`fewshot_summary`."""
    lines = [f'{"K":>4}{"seeds":>7}{"top-1 (mean +- std)":>24}']
    for k, d in summary['shots'].items():
        lines.append(f'{k:>4}{d["n"]:>7}{d["mean"]:>15.1f} +- '
                     f'{d["std"]:<5.1f}')
    return '\n'.join(lines)


def format_base2novel(summary: dict) -> str:
    """Plain-text table of :func:`base2novel_summary`."""
    lines = [f'{"seed":>6}{"base":>8}{"novel":>8}{"HM":>8}']
    for seed, d in summary['seeds'].items():
        lines.append(f'{seed:>6}{d["base"]:>8.1f}{d["novel"]:>8.1f}'
                     f'{d["hm"]:>8.1f}')
    b, n = summary['base'], summary['novel']
    lines.append(f'{"mean":>6}{b["mean"]:>8.1f}{n["mean"]:>8.1f}'
                 f'{summary["hm"]:>8.1f}')
    lines.append(f'{"std":>6}{b["std"]:>8.1f}{n["std"]:>8.1f}'
                 f'{summary["hm_per_seed"]["std"]:>8.1f}')
    return '\n'.join(lines)


def collect(runs: Sequence[str], pattern: str, metric: str = 'acc/top1'):
    """``(tags, top1)`` of each run; see :func:`tags` and
    :func:`read_test_top1`."""
    return [(tags(r, pattern), read_test_top1(r, metric)) for r in runs]
