# Copyright (c) OpenMMLab. All rights reserved.
"""toolkit.benchmarking.measure: the statistics, the block timer (on a
fake clock), the memory probe, the sync audit's records and autocast."""
import json
import os.path as osp
import resource
import subprocess
import sys
import textwrap
import types

import pytest
import torch

from mote_mmaction.toolkit.benchmarking import measure
from mote_mmaction.toolkit.benchmarking.machine import REPO


def test_spread_of_four_repeats():
    """Median, min/max and inclusive quartiles, worked out by hand: sorted
    1, 2, 3, 10; q1 = 1 + 0.75 * (2 - 1), q3 = 3 + 0.25 * (10 - 3)."""
    s = measure.spread([3, 1, 2, 10])
    assert s == dict(median=2.5, min=1.0, max=10.0, q1=1.75, q3=4.75,
                     iqr=3.0, n=4, values=[3.0, 1.0, 2.0, 10.0])
    # the measured order is kept (drift across repeats stays visible)
    assert s['values'] == [3.0, 1.0, 2.0, 10.0]


def test_spread_of_one_and_two_repeats():
    """One repeat has no spread; two interpolate at 1/4 and 3/4."""
    assert measure.spread([5]) == dict(median=5.0, min=5.0, max=5.0, q1=5.0,
                                       q3=5.0, iqr=0.0, n=1, values=[5.0])
    s = measure.spread([4.0, 2.0])
    assert (s['median'], s['q1'], s['q3'], s['iqr']) == (3.0, 2.5, 3.5, 1.0)


def test_time_block_on_a_fake_clock(monkeypatch):
    """Seconds per call = elapsed fake time / iters; CUDA is synchronised
    before the clock starts and before it stops, CPU never."""
    events, now = [], [10.0]

    def clock():
        events.append('clock')
        return now[0]

    def fn():
        events.append('fn')
        now[0] += 0.25

    monkeypatch.setattr(measure, 'time',
                        types.SimpleNamespace(perf_counter=clock))
    monkeypatch.setattr(measure.torch.cuda, 'synchronize',
                        lambda: events.append('sync'))
    assert measure.time_block(fn, 4, 'cpu') == 0.25
    assert events == ['clock'] + ['fn'] * 4 + ['clock']
    events.clear()
    now[0] = 0.0
    assert measure.time_block(fn, 2, 'cuda') == 0.25
    assert events == ['sync', 'clock', 'fn', 'fn', 'sync', 'clock']


def test_memory_probe_cpu_sees_an_allocation():
    """A 64 MiB tensor filled inside the window raises the peak by at least
    that much over the start RSS. Run in a fresh process: in a long test
    session, memory that other tests' threads free during the window can
    hide the growth."""
    code = textwrap.dedent('''
        import json, torch
        from mote_mmaction.toolkit.benchmarking import measure
        probe = measure.MemoryProbe('cpu')
        probe.start()
        block = torch.ones(16 * 2**20)  # 16 Mi float32 = 64 MiB, touched
        print(json.dumps(probe.stop()))
    ''')
    res = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out['peak_mem_mb'] >= 63.0
    assert out['peak_mem_mb'] == pytest.approx(out['peak_rss_mb'] -
                                               out['start_rss_mb'])
    assert out['mem_method'].startswith('CPU peak RSS delta')


def test_memory_probe_cpu_falls_back_to_ru_maxrss(monkeypatch):
    """Without /proc (other systems) the lifetime peak ``ru_maxrss`` is the
    start and the peak, and the method says so."""
    monkeypatch.setattr(measure, '_proc_status_kb', lambda key: None)

    def no_proc(path, *args, **kwargs):
        raise OSError(path)

    monkeypatch.setattr(measure, 'open', no_proc, raising=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    probe = measure.MemoryProbe('cpu')
    probe.start()
    out = probe.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert probe.hwm_reset is False
    assert before <= out['start_rss_mb'] <= out['peak_rss_mb'] <= after
    assert out['mem_method'] == ('CPU peak RSS delta over the start RSS '
                                 '(ru_maxrss (process lifetime peak))')


def test_sync_audit_disabled_runs_the_block_and_records_nothing():
    audit = measure.SyncAudit(False)
    ran = []
    with audit.watch('forward_loss'):
        ran.append(True)
    assert ran == [True]
    assert audit.report() == dict(
        enabled=False, note='only on CUDA (torch.cuda.set_sync_debug_mode)')


def test_sync_audit_records_only_sync_warnings():
    """The ``showwarning`` hook of :meth:`SyncAudit.watch` keeps sync
    warnings with their phase, the syncing line (relative to the repo or
    site-packages) and the caller's frames; other warnings are dropped."""
    audit = measure.SyncAudit(True)
    audit.phase = 'forward_loss'
    torch_file = osp.join('x', 'site-packages', 'torch', 'functional.py')
    audit._record('called a synchronizing CUDA operation\nmore', UserWarning,
                  torch_file, 12)
    audit._record('some other warning', UserWarning, torch_file, 13)
    audit.phase = 'backward'
    audit._record('synchronizing op', UserWarning,
                  osp.join(REPO, 'mote_mmaction', 'models', 'x.py'), 7)
    audit._record('synchronizing op', UserWarning,
                  osp.join('elsewhere', 'y.py'), 3)
    report = audit.report()
    assert report['enabled'] is True
    assert report['count_by_phase'] == dict(forward_loss=1, backward=2)
    first, second, third = report['records']
    assert first['message'] == 'called a synchronizing CUDA operation'
    assert first['where'] == 'torch/functional.py:12'
    assert second['where'] == 'mote_mmaction/models/x.py:7'
    assert third['where'] == 'y.py:3'
    # the caller's frame is named: here, this test
    assert first['stack'][-1].endswith(
        'test_sync_audit_records_only_sync_warnings')
    assert 'test_measure.py:' in first['stack'][-1]


def test_autocast():
    """'none' leaves fp32 matmuls alone; a dtype casts them."""
    a = torch.ones(2, 2)
    with measure.autocast('cpu', 'none'):
        assert (a @ a).dtype == torch.float32
    with measure.autocast('cpu', 'bfloat16'):
        assert (a @ a).dtype == torch.bfloat16
