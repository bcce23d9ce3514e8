# Copyright (c) OpenMMLab. All rights reserved.
"""A worker's memory over thousands of samples:
``benchmark.py --mode data --rss-samples 1000 5000``.

Each decoder runs the config's train pipeline in its own forked process
(as a DataLoader worker is forked), cycling over the clips; the process's
resident memory (``VmRSS``) is read after a warm-up and after each count
of ``--rss-samples``. A decoder that leaks per call (decord's
``get_batch``, dmlc/decord#197) grows linearly; a flat reader stays within
allocator noise.
"""
import multiprocessing
import os
from typing import Dict, List, Optional

from .decoders import VARIANTS, usable_variants, with_decoder
from .pipelines import pipeline_of, video_datasets

WARMUP = 50


def add_arguments(group) -> None:
    group.add_argument(
        '--rss-samples', nargs='+', type=int,
        help='report each decoder\'s worker RSS after these many train '
        'samples, e.g. 1000 5000 (benchmarking/memory.py)')
    group.add_argument('--rss-decoders', nargs='+', choices=VARIANTS,
                       default=['decord', 'pyav', 'torchcodec'])


def rss_mb() -> Optional[float]:
    """This process's resident memory, MiB (Linux ``/proc``)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _child(files: List[str], pipeline: List[dict], counts: List[int],
           queue) -> None:
    try:
        import torch
        torch.set_num_threads(1)  # as in a DataLoader worker
        ds = video_datasets(files, {'': pipeline}, False)['']
        for i in range(WARMUP):
            ds[i % len(files)]
        out = dict(after_warmup=rss_mb())
        done = 0
        for n in sorted(counts):
            while done < n:
                ds[done % len(files)]
                done += 1
            out[str(n)] = rss_mb()
        queue.put(out)
    except BaseException as e:  # noqa: BLE001  reported by the parent
        queue.put(dict(error=f'{type(e).__name__}: {e}'))


def rss_over_samples(cfg, files: List[str], counts: List[int],
                     decoders: List[str]) -> Dict:
    """Per decoder: RSS (MiB) after the warm-up and after each count of
    training samples in a forked worker, and the growth per 1,000
    samples between the first and the last count."""
    base = pipeline_of(cfg, 'train')
    status = usable_variants(decoders)
    ctx = multiprocessing.get_context('fork')
    out = {}
    for v in decoders:
        if status[v]:
            out[v] = dict(error=f'not run: {status[v]}')
            continue
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(
            files, with_decoder(base, v), counts, queue))
        proc.start()
        got = queue.get()
        proc.join()
        if 'error' not in got and len(counts) > 1:
            lo, hi = str(min(counts)), str(max(counts))
            got['growth_mb_per_1k'] = (got[hi] - got[lo]) / (
                (max(counts) - min(counts)) / 1000)
        out[v] = got
    return dict(
        by_decoder=out, samples=sorted(counts), warmup=WARMUP,
        files=len(files), pid=os.getpid(),
        method=('config train pipeline in a forked process per decoder '
                '(one torch thread), cycling over the clips; VmRSS after '
                f'{WARMUP} warm-up samples and after each count'))


def format_rss(r: Dict) -> str:
    lines = [f'   worker RSS (MiB) after {WARMUP} warm-up samples and '
             'after ' + ', '.join(str(n) for n in r['samples']) +
             ' samples']
    for v, row in r['by_decoder'].items():
        if 'error' in row:
            lines.append(f'   {v:<16} {row["error"]}')
            continue
        cells = ' -> '.join(f'{row[str(n)]:.0f}' for n in r['samples'])
        growth = row.get('growth_mb_per_1k')
        lines.append(f'   {v:<16} {row["after_warmup"]:.0f} -> {cells}' +
                     ('' if growth is None else
                      f'  ({growth:+.1f} MiB per 1k samples)'))
    return '\n'.join(lines)
