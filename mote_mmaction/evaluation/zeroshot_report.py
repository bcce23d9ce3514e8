# Copyright (c) OpenMMLab. All rights reserved.
"""Arithmetic of MoTE's zero-shot report (paper Tables 3 and 4)."""
import statistics
from typing import Dict, Mapping, Optional, Sequence


def harmonic_mean(values: Sequence[float]) -> float:
    """:func:`statistics.harmonic_mean` (0 if any value is 0, as accuracy
    in percent), with a clear error for no values."""
    values = list(values)
    if not values:
        raise ValueError('harmonic mean of no values')
    return float(statistics.harmonic_mean(values))


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean and sample standard deviation (n - 1), as the paper reports."""
    values = [float(v) for v in values]
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return dict(mean=statistics.fmean(values), std=std, n=len(values))


def zeroshot_summary(per_dataset: Mapping[str, Sequence[float]],
                     closeset_top1: Optional[float] = None) -> dict:
    """Mean +- std per dataset, their harmonic mean (HMZS) and trade-off.

    Args:
        per_dataset (Mapping[str, Sequence[float]]): Top-1 (percent) of each
            split per zero-shot dataset, e.g. ``{'ucf101': [83.1, ...]}``.
        closeset_top1 (float, optional): Close-set K400 top-1 (percent).

    Returns:
        dict: ``datasets`` (name -> mean/std/n/splits), ``hmzs`` (harmonic
        mean of the dataset means) and, with ``closeset_top1``,
        ``closeset_top1`` and ``tradeoff`` (harmonic mean of the two).
    """
    datasets = {
        name: dict(**mean_std(vals), splits=[float(v) for v in vals])
        for name, vals in per_dataset.items()
    }
    out = dict(datasets=datasets)
    if datasets:
        out['hmzs'] = harmonic_mean([d['mean'] for d in datasets.values()])
    if closeset_top1 is not None and datasets:
        out['closeset_top1'] = float(closeset_top1)
        out['tradeoff'] = harmonic_mean([closeset_top1, out['hmzs']])
    return out


def format_summary(summary: dict) -> str:
    """A plain-text table of :func:`zeroshot_summary`'s output."""
    lines = [f'{"dataset":<16}{"splits":>8}{"top-1 (mean +- std)":>24}']
    for name, d in summary['datasets'].items():
        lines.append(f'{name:<16}{d["n"]:>8}'
                     f'{d["mean"]:>15.1f} +- {d["std"]:<5.1f}')
    if 'hmzs' in summary:
        lines.append(f'{"HM (zero-shot)":<24}{summary["hmzs"]:>15.1f}')
    if 'tradeoff' in summary:
        lines.append(f'{"close-set top-1":<24}'
                     f'{summary["closeset_top1"]:>15.1f}')
        lines.append(f'{"trade-off":<24}{summary["tradeoff"]:>15.1f}')
    return '\n'.join(lines)
