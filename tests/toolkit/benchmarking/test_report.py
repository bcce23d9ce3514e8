# Copyright (c) OpenMMLab. All rights reserved.
"""toolkit.benchmarking.report: the result table and the summary of
results against the performance targets, on hand-made results."""
import json

from mote_mmaction.toolkit.benchmarking import report


def _infer_result(**kw):
    r = dict(mode='infer', config='cfg.py', device='cpu',
             machine=dict(cpu_model='Fake CPU'), date='2024-01-02T03:04:05',
             batch=2, views=3, frames=8, size=32, amp_dtype='none',
             grad_ckpt='n/a', merged='m', deploy=False, compile=False,
             warmup=1, repeats=2, iters=3, median=123.456, min=100.0,
             max=150.0, iqr=12.5, unit='views/s', peak_mem_mb=12.6,
             mem_method='probe')
    r.update(kw)
    return r


def test_format_table_single_variant():
    """Header, settings line, one row (4 significant digits, IQR 3) and the
    memory line (MiB, no decimals)."""
    lines = report.format_table(_infer_result(variant='deploy')).split('\n')
    assert lines == [
        '== infer | cfg.py | cpu (Fake CPU) | 2024-01-02T03:04:05',
        '   batch 2 x views 3 x 8f x 32px | amp none | grad-ckpt n/a | '
        'merged m | deploy False | compile False | 1 warm-up, 2 x 3 timed',
        '   ' + ' ' * 32 + '     median        min        max       IQR'
        '  unit',
        '   deploy' + ' ' * 26 + '      123.5        100        150'
        '      12.5  views/s',
        '   peak memory: 13 MiB (probe)',
    ]


def test_format_table_compare_breakdown_and_audit():
    """--compare: a row per variant (missing IQR shown as 0); numeric
    breakdown/ratio entries only, shares and overheads in percent; tower
    runs; sync records newest frame first; the GPU name in the header."""
    r = _infer_result(
        machine=dict(gpu='Fake GPU', cpu_model='Fake CPU'),
        compare=dict(merged=dict(median=0.5, min=0.25, max=1.0,
                                 unit='views/s')),
        breakdown=dict(head_share=0.025, step_ms=12.0, method='text'),
        ratios=dict(tfm_overhead=-0.5, merged_over_deploy=1),
        text_tower_runs_warmup=1, text_tower_runs_during_timing=0,
        sync_audit=dict(enabled=True, count_by_phase=dict(backward=2),
                        records=[dict(phase='backward', where='a.py:1',
                                      stack=['s1', 's2', 's3', 's4'])]))
    lines = report.format_table(r).split('\n')
    assert lines[0].startswith('== infer | cfg.py | cpu (Fake GPU) |')
    assert lines[3].split() == ['merged', '0.5', '0.25', '1', '0', 'views/s']
    assert lines[4:] == [
        '   breakdown.head_share' + ' ' * 20 + ' 2.5 %',
        '   breakdown.step_ms' + ' ' * 23 + ' 12.0000',
        '   ratios.tfm_overhead' + ' ' * 18 + ' -50 %',
        '   ratios.merged_over_deploy' + ' ' * 12 + ' 1',
        '   text tower runs: warm-up 1, timed steps 0',
        "   host-device syncs: {'backward': 2}",
        '     [backward] a.py:1 <- s4 < s3 < s2',
        '   peak memory: 13 MiB (probe)',
    ]


def test_format_table_data_mode():
    """Data mode: no model settings line; a row per pipeline; the video
    sets."""
    r = _infer_result(
        mode='data', pipelines={
            'train_pipeline/a': dict(median=2.0, min=1.0, max=3.0, iqr=1.0,
                                     unit='clips/s per worker')
        }, video_sets=dict(a=dict(size='64x64')))
    lines = report.format_table(r).split('\n')
    assert len(lines) == 5
    assert lines[1].split()[:2] == ['median', 'min']
    assert lines[2].split() == ['train_pipeline/a', '2', '1', '3', '1',
                                'clips/s', 'per', 'worker']
    assert lines[3] == "   videos a: {'size': '64x64'}"


def _write(tmp_path, name, r):
    path = tmp_path / name
    path.write_text(r if isinstance(r, str) else json.dumps(r))
    return path


def test_summarize_against_the_targets(tmp_path):
    """Throughput from the best CUDA bf16 run; shares and ratios from the
    worst CUDA run (CPU runs only when there is none); tower runs and
    training-forward syncs from the worst run; tiny-training rows; broken
    and foreign JSON files skipped."""
    cuda_train = dict(mode='train', device='cuda', amp_dtype='bfloat16',
                      text_tower_runs_during_timing=0)
    _write(tmp_path, 'train_fast.json', dict(
        cuda_train, median=600.0, breakdown=dict(head_share=0.02),
        sync_audit=dict(enabled=True, count_by_phase=dict(
            forward_loss=2, backward=5))))
    _write(tmp_path, 'train_slow.json', dict(
        cuda_train, median=500.0, breakdown=dict(head_share=0.025)))
    _write(tmp_path, 'train_cpu.json', dict(
        cuda_train, device='cpu', median=900.0,
        breakdown=dict(head_share=0.5), text_tower_runs_during_timing=1))
    _write(tmp_path, 'infer.json', dict(
        mode='infer', device='cuda', amp_dtype='bfloat16', median=1700.0,
        ratios=dict(merged_over_deploy=1.01494, tfm_share=0.02),
        text_tower_runs_during_timing=0))
    _write(tmp_path, 'infer_fp16.json', dict(
        mode='infer', device='cuda', amp_dtype='float16', median=5000.0))
    _write(tmp_path, 'tiny.json', dict(
        mode='tiny_train', amp=True, first_loss=1.5, last_loss=0.25,
        losses_finite=True, iterations=3))
    _write(tmp_path, 'broken.json', '{not json')
    _write(tmp_path, 'summary.json', dict(mode='summary', rows=[]))
    s = report.summarize([str(tmp_path / '*.json')])
    assert s['mode'] == 'summary'
    assert s['files'] == sorted([
        'broken.json', 'infer.json', 'infer_fp16.json', 'summary.json',
        'tiny.json', 'train_cpu.json', 'train_fast.json', 'train_slow.json'
    ])
    rows = [(r['metric'], r['target'], r['value'], r['status'], r['source'])
            for r in s['rows']]
    assert rows == [
        ('training clips/s (bf16)', '>= 580', 600.0, 'PASS',
         'train_fast.json'),
        ('inference views/s (bf16)', '>= 1750', 1700.0, 'FAIL',
         'infer.json'),
        ('head share of a training step', '<= 3 %', '2.50 %', 'PASS',
         'train_slow.json'),
        ('merged / plain (deploy) inference', '<= 1.02', 1.0149, 'PASS',
         'infer.json'),
        ('TFM-600 share of a test step (direct)', '<= 1 %', '2.00 %', 'FAIL',
         'infer.json'),
        ('TFM-600 vocabulary vs same (end to end)', '<= 1 %', None, 'n/a',
         None),
        ('text tower runs in timed steps', '0', 1, 'FAIL', 'train_cpu.json'),
        ('host-device syncs in the training forward', '0', 2, 'FAIL',
         'train_fast.json'),
        ('tiny config trained with tools/train.py --amp', 'finite loss',
         '1.500 -> 0.250', 'PASS', 'tiny.json'),
    ]


def test_summarize_cpu_only_and_nothing_measured(tmp_path):
    """A share met on CPU only is 'CPU only', never PASS; targets without a
    result are 'n/a' with no value or source."""
    path = _write(tmp_path, 'cpu.json', dict(
        mode='train', device='cpu', amp_dtype='bfloat16', median=9.0,
        breakdown=dict(head_share=0.01)))
    rows = {r['metric']: r for r in report.summarize([str(path)])['rows']}
    head = rows.pop('head share of a training step')
    assert (head['value'], head['status'], head['source']) == (
        '1.00 %', 'CPU only', 'cpu.json')
    assert len(rows) == 7
    for r in rows.values():
        assert (r['value'], r['status'], r['source']) == (None, 'n/a', None)
    empty = report.summarize([str(tmp_path / 'none_*.json')])
    assert [r['status'] for r in empty['rows']] == ['n/a'] * 8


def test_format_summary():
    """One line per row under the header; no value is '-', no source is
    'not measured'."""
    s = dict(rows=[
        dict(metric='m1', target='<= 1', value=None, status='n/a',
             source=None),
        dict(metric='m2', target='0', value=3, status='FAIL',
             source='a.json'),
    ])
    assert report.format_summary(s).split('\n') == [
        '== targets',
        '   metric' + ' ' * 38 + '    target     measured  status    source',
        '   m1' + ' ' * 42 + '      <= 1            -  n/a       '
        'not measured',
        '   m2' + ' ' * 42 + '         0            3  FAIL      a.json',
    ]
