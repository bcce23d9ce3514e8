# Copyright (c) OpenMMLab. All rights reserved.
"""Timing, spread, memory and host-device sync measurement of benchmark steps.
"""
import contextlib
import os
import os.path as osp
import resource
import statistics
import time
import traceback
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import torch

from .machine import REPO


def spread(values: Sequence[float]) -> Dict:
    """Median, min/max and quartiles of per-repeat values (``values``
    keeps the measured order)."""
    raw = [float(v) for v in values]
    vals = sorted(raw)
    med = statistics.median(vals)
    if len(vals) >= 2:
        q1, _, q3 = statistics.quantiles(vals, n=4, method='inclusive')
    else:
        q1 = q3 = vals[0]
    return dict(median=med, min=vals[0], max=vals[-1], q1=q1, q3=q3,
                iqr=q3 - q1, n=len(vals), values=raw)


def device_sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def time_block(fn: Callable[[], None], iters: int, device: str) -> float:
    """Seconds per call of ``fn``, averaged over ``iters`` calls."""
    device_sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    device_sync(device)
    return (time.perf_counter() - start) / iters


def _proc_status_kb(key: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class MemoryProbe:
    """Peak memory over a window.

    CUDA: ``torch.cuda.max_memory_allocated`` after resetting the peak at
    :meth:`start` (absolute: weights, optimizer state, activations).
    CPU: peak RSS minus the RSS at :meth:`start` (what the steps add:
    activations, gradients, optimizer state, tables). The Linux peak
    (``VmHWM``) is reset at start through ``/proc/self/clear_refs``; where
    that is not possible the process-lifetime ``ru_maxrss`` is used.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.base_mb = 0.0
        self.hwm_reset = False

    def start(self) -> None:
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base_mb = torch.cuda.memory_allocated() / 2**20
            return
        rss = _proc_status_kb('VmRSS')
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.hwm_reset = True
            # the start is the reset peak itself: memory freed between the
            # RSS read and the reset must not hide what the window adds
            rss = _proc_status_kb('VmHWM') or rss
        except OSError:
            self.hwm_reset = False
        if rss is None:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.base_mb = rss / 1024

    def stop(self) -> Dict:
        if self.device == 'cuda':
            torch.cuda.synchronize()
            return dict(
                peak_mem_mb=torch.cuda.max_memory_allocated() / 2**20,
                peak_reserved_mb=torch.cuda.max_memory_reserved() / 2**20,
                start_allocated_mb=self.base_mb,
                mem_method='torch.cuda.max_memory_allocated (absolute)')
        hwm = _proc_status_kb('VmHWM') if self.hwm_reset else None
        how = 'VmHWM reset at start' if hwm is not None else \
            'ru_maxrss (process lifetime peak)'
        if hwm is None:
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = hwm / 1024
        return dict(
            peak_mem_mb=max(peak - self.base_mb, 0.0),
            peak_rss_mb=peak,
            start_rss_mb=self.base_mb,
            mem_method=f'CPU peak RSS delta over the start RSS ({how})')


class SyncAudit:
    """Records host-device synchronisations (CUDA sync debug mode).

    Every sync PyTorch performs (``.item()``, ``.cpu()``, blocking copies,
    ``torch.equal`` ...) raises a warning in ``warn`` mode; this keeps the
    Python frames of the caller so the line that synced is named.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.records: List[Dict] = []
        self.phase = ''

    @contextlib.contextmanager
    def watch(self, phase: str):
        if not self.enabled:
            yield
            return
        self.phase = phase
        torch.cuda.synchronize()
        previous = torch.cuda.get_sync_debug_mode()
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.showwarning = self._record
            torch.cuda.set_sync_debug_mode('warn')
            try:
                yield
            finally:
                torch.cuda.set_sync_debug_mode(previous)

    def _record(self, message, category, filename, lineno, file=None,
                line=None) -> None:
        text = str(message)
        if 'synchroniz' not in text:
            return
        frames = [f for f in traceback.extract_stack()[:-1]
                  if 'mote_mmaction/toolkit/benchmarking/' not in
                  f.filename.replace(os.sep, '/')
                  and 'contextlib' not in f.filename
                  and 'warnings' not in f.filename]
        self.records.append(
            dict(phase=self.phase, message=text.splitlines()[0][:160],
                 where=f'{_short_path(filename)}:{lineno}',
                 stack=[f'{_short_path(f.filename)}:{f.lineno} {f.name}'
                        for f in frames[-5:]]))

    def report(self) -> Dict:
        if not self.enabled:
            return dict(enabled=False,
                        note='only on CUDA (torch.cuda.set_sync_debug_mode)')
        count: Dict[str, int] = {}
        for r in self.records:
            count[r['phase']] = count.get(r['phase'], 0) + 1
        return dict(enabled=True, count_by_phase=count,
                    records=self.records[:50])


def _short_path(path: str) -> str:
    """Path relative to the repository or to site-packages."""
    path = path.replace(os.sep, '/')
    root = REPO.replace(os.sep, '/') + '/'
    if path.startswith(root):
        return path[len(root):]
    if 'site-packages/' in path:
        return path.split('site-packages/', 1)[1]
    return osp.basename(path)


def autocast(device: str, amp: str):
    if amp == 'none':
        return contextlib.nullcontext()
    return torch.autocast(device, dtype=getattr(torch, amp))
