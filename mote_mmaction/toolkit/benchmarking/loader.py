# Copyright (c) OpenMMLab. All rights reserved.
"""The real ``DataLoader``: worker processes, collate and pinned memory, as
the runner builds it, with 1 and N workers side by side.

Per-worker rates (``dataset[i]`` in one process) leave out what the loader
adds: inter-process transfer of each batch, collate, pinning, and the
cores the workers share. Here each worker count gets a fresh loader per
repeat (counts interleaved within each repeat); the first round of
batches (one per worker, which includes starting the workers) is not
timed, and the rate is the clips of the next whole rounds over the time
they took to arrive.
"""
import copy
import os
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from .pipelines import video_datasets


def add_arguments(group) -> None:
    group.add_argument(
        '--loader-workers', nargs='*', type=int,
        help='DataLoader worker counts to time side by side (default: 1 '
        'and the CPU count; none: skip the DataLoader run)')
    group.add_argument('--loader-batch', type=int,
                       help='DataLoader batch size (default: the config\'s '
                       'for the split)')
    group.add_argument('--loader-batches', type=int, default=6,
                       help='timed batches per worker count and repeat')


def _collate(cfg_loader):
    """The config's ``collate_fn`` (MMEngine's default: pseudo_collate)."""
    spec = (cfg_loader or {}).get('collate_fn')
    if not spec:
        return pseudo_collate
    from mmengine.registry import FUNCTIONS
    spec = dict(spec)
    return FUNCTIONS.get(spec.pop('type'))


def time_loader(dataset, workers: int, batch: int, batches: int,
                collate, pin_memory: bool) -> float:
    """Clips/s through a fresh ``DataLoader`` with ``workers`` workers:
    the first round (a batch per worker, which starts the workers) is not
    timed; then ``batches`` rounded up to whole rounds, so the workers'
    simultaneous first batches do not count as speed."""
    loader = DataLoader(dataset, batch_size=batch, num_workers=workers,
                        shuffle=False, collate_fn=collate,
                        pin_memory=pin_memory and torch.cuda.is_available(),
                        drop_last=True)
    it = iter(loader)
    rounds = max(workers, 1)
    for _ in range(rounds):
        next(it)
    batches = -(-batches // rounds) * rounds
    start = time.perf_counter()
    for _ in range(batches):
        next(it)
    elapsed = time.perf_counter() - start
    del it
    return batches * batch / elapsed


def bench_loader(dataset, cfg_loader, worker_counts: Sequence[int],
                 batch: int, batches: int, repeats: int,
                 views: int = 1) -> Dict:
    """Rates of each worker count, interleaved within each repeat.

    Args:
        dataset: The dataset (long enough for ``(batches + 1) * batch``
            samples).
        cfg_loader (dict): The config's dataloader (``collate_fn``,
            ``pin_memory``).
        worker_counts (Sequence[int]): Worker counts to compare.
        batch (int): Batch size.
        batches (int): Timed batches per repeat.
        repeats (int): Repeats.
        views (int): Views per clip (test: views/s = clips/s x views).

    Returns:
        dict: ``by_workers`` (count -> median, min, max, per-repeat
        values), ``scaling`` (count -> median of the per-repeat ratios to
        the first count) and the settings.
    """
    collate = _collate(cfg_loader)
    pin = bool((cfg_loader or {}).get('pin_memory', False))
    rates = {w: [] for w in worker_counts}
    for _ in range(repeats):
        for w in worker_counts:
            rates[w].append(views * time_loader(dataset, w, batch, batches,
                                                collate, pin))
    base = worker_counts[0]
    return dict(
        by_workers={
            str(w): dict(median=statistics.median(v), min=min(v),
                         max=max(v), values=v)
            for w, v in rates.items()
        },
        scaling={
            str(w): statistics.median(a / b
                                      for a, b in zip(v, rates[base]))
            for w, v in rates.items()
        },
        batch=batch, batches=batches, repeats=repeats,
        pin_memory=pin and torch.cuda.is_available(),
        collate=getattr(collate, '__name__', str(collate)),
        unit='views/s' if views > 1 else 'clips/s')


def loader_dataset(files: Sequence[str], pipeline: List[dict],
                   test_mode: bool, samples: int):
    """A dataset of ``files`` repeated to at least ``samples`` samples."""
    reps = -(-samples // max(len(files), 1))
    return video_datasets(list(files) * reps,
                          {'': copy.deepcopy(pipeline)}, test_mode)['']


def run_loader(cfg, args, split: str, files: Sequence[str],
               pipeline: List[dict], views: int) -> Optional[Dict]:
    """The real DataLoader over ``files`` with ``--loader-workers``."""
    counts = args.loader_workers
    if counts is None:
        counts = sorted({1, os.cpu_count() or 1})
    if not counts:
        return None
    cfg_loader = cfg.get(f'{split}_dataloader') or {}
    batch = args.loader_batch or cfg_loader.get('batch_size', 1)
    most = max(max(counts), 1)
    ds = loader_dataset(files, pipeline, split != 'train',
                        (args.loader_batches + 2 * most) * batch)
    return bench_loader(ds, cfg_loader, counts, batch, args.loader_batches,
                        args.repeats, views)
