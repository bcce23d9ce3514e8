# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.toolkit.benchmarking (tools/analysis/benchmark.py) and
gpu_check.sh on the tiny config, CPU.

Each run calls ``main(argv)`` in this process with the smallest iteration
counts; only fields and invariants are checked, never a speed.
"""
import contextlib
import io
import json
import os
import os.path as osp
import subprocess

import pytest
import torch

from mote_mmaction.toolkit.benchmarking import main

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CFG = osp.join('configs', 'mote', 'demo_tiny_motion.py')
FAST = ('--device', 'cpu', '--warmup', '1', '--iters', '1', '--repeats', '2')
FIELDS = ('mode', 'config', 'device', 'batch', 'amp_dtype', 'grad_ckpt',
          'merged', 'compile', 'median', 'spread', 'unit', 'peak_mem_mb',
          'breakdown', 'torch', 'versions', 'machine', 'date', 'command')
pytestmark = pytest.mark.usefixtures('one_thread')  # see conftest.py


def bench(tmp_path, name, *args, config=CFG):
    out = tmp_path / f'{name}.json'
    argv = ([config] if config else []) + [str(a) for a in args] + \
        ['--json', str(out)]
    text, cwd = io.StringIO(), os.getcwd()
    try:
        os.chdir(REPO)
        with contextlib.redirect_stdout(text):
            main(argv)
    finally:
        os.chdir(cwd)
    return json.loads(out.read_text()), text.getvalue()


def check_fields(r):
    for key in FIELDS:
        assert key in r, key
    for key in ('min', 'max', 'q1', 'q3', 'iqr'):
        assert key in r['spread']
    assert r['spread']['min'] <= r['median'] <= r['spread']['max']
    assert r['device'] == 'cpu' and r['machine']['cpu_count'] >= 1


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """The train and infer modes run once (one torch thread: the tiny
    model's ops are too small to share between threads), for their own
    tests and the summary's."""
    tmp, threads = tmp_path_factory.mktemp('bench'), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return dict(
            train=bench(tmp, 'train', '--mode', 'train', '--batch', '2',
                        '--num-classes', '5', '--text-templates', '2',
                        '--amp-dtype', 'bfloat16', '--grad-ckpt', 'on',
                        *FAST),
            infer=bench(tmp, 'infer', '--mode', 'infer', '--batch', '2',
                        '--views', '2', '--num-classes', '5', '--compare',
                        '--tfm-classes', '7', '--text-templates', '1',
                        *FAST))
    finally:
        torch.set_num_threads(threads)


def test_train_mode(runs):
    r, text = runs['train']
    check_fields(r)
    assert r['unit'] == 'clips/s' and r['median'] > 0
    assert r['amp_dtype'] == 'bfloat16' and r['grad_ckpt'] == 'on'
    assert r['optim_wrapper']['optimizer'] == 'AdamW'
    bd = r['breakdown']
    for key in ('step_ms', 'backbone_ms', 'head_ms', 'other_ms',
                'head_share', 'backbone_share', 'method'):
        assert key in bd, key
    assert 0 < bd['head_share'] < 1
    # the class table is built once, in warm-up, never per step
    assert r['text_tower_runs_warmup'] >= 1
    assert r['text_tower_runs_during_timing'] == 0
    # the probe's CPU record (tests/benchmarking/test_measure.py) comes
    # through whole, and the table prints the JSON's peak
    assert r['mem_method'].startswith('CPU peak RSS delta over the start')
    assert r['peak_mem_mb'] == pytest.approx(
        max(r['peak_rss_mb'] - r['start_rss_mb'], 0.0))
    assert f'peak memory: {r["peak_mem_mb"]:.0f} MiB ({r["mem_method"]})' \
        in text
    assert r['sync_audit']['enabled'] is False  # CUDA only
    assert 'head_share' in text and 'clips/s' in text


def test_infer_compare(runs):
    r, text = runs['infer']
    check_fields(r)
    assert r['unit'] == 'views/s' and r['views_per_step'] == 4
    # merged: 4 experts merged every forward; deploy: merged once
    assert set(r['compare']) == {'merged', 'deploy', 'tfm_7',
                                 'vocab_7_no_tfm'}
    for key in ('merged_over_deploy', 'head_merged_over_deploy',
                'tfm_overhead', 'tfm_only_overhead', 'tfm_share',
                'merge_share'):
        assert key in r['ratios'], key
    # the deploy model carries the merged weights: same scores
    assert r['ratios']['deploy_max_abs_diff'] < 1e-4
    assert r['text_tower_runs_during_timing'] == 0
    assert r['breakdown']['backbone_ms'] > 0
    assert 'merged_over_deploy' in text


@pytest.mark.parametrize('flags', [(), ('--deploy', ),
                                   ('--tfm-classes', '3')])
def test_infer_variants(tmp_path, flags):
    r, _ = bench(tmp_path, 'variant', '--mode', 'infer', '--batch', '1',
                 '--num-classes', '5', '--random-text-tables', *flags,
                 *FAST)
    check_fields(r)
    assert r['variant'] == {(): 'merged', ('--deploy', ): 'deploy',
                            ('--tfm-classes', '3'): 'tfm_3'}[flags]
    assert r['text_tower_runs_warmup'] == 0  # random tables: never runs
    assert r['text_tower_runs_during_timing'] == 0


def test_data_mode(tmp_path):
    r, text = bench(tmp_path, 'data', '--mode', 'data', '--synthetic',
                    'motion64', 'short256', '--num-videos', '1',
                    '--video-seconds', '0.4', '--clips', '2',
                    '--video-dir', str(tmp_path / 'videos'),
                    '--loader-workers', *FAST)
    check_fields(r)
    assert r['loader'] == {}  # no worker counts: no DataLoader run
    assert 'decoder ceiling' in text and 'fraction of ceiling' in text
    assert set(r['pipelines']) == {
        'train_pipeline/motion64', 'train_pipeline/short256',
        'test_pipeline/motion64', 'test_pipeline/short256'
    }
    for v in r['pipelines'].values():
        assert v['unit'] == 'clips/s per worker' and v['median'] > 0
    # tiny config: train 1 clip x 8 frames of 32 px; test 2 clips x 3 crops
    assert r['pipelines']['train_pipeline/short256']['output_shape'] == [
        1, 3, 8, 32, 32
    ]
    assert r['pipelines']['test_pipeline/short256']['output_shape'][0] == 6
    assert r['video_sets']['short256']['size'] == '340x256'


def test_data_mode_ann_file(tmp_path):
    from mote_mmaction.testing.synthetic_videos import \
        generate_motion_dataset
    ann, _ = generate_motion_dataset(str(tmp_path), ['growing'], 2, 'd')
    r, _ = bench(tmp_path, 'data_ann', '--mode', 'data', '--ann-file', ann,
                 '--data-root', str(tmp_path), '--clips', '2',
                 '--pipelines', 'test', '--loader-workers', '1',
                 '--loader-batch', '1', '--loader-batches', '1', *FAST)
    assert 'DataLoader test_pipeline/given: 1 worker' in _
    assert set(r['pipelines']) == {'test_pipeline/given'}


def test_summary(tmp_path, runs):
    paths = []
    for name, (r, _) in runs.items():
        path = tmp_path / f'{name}.json'
        path.write_text(json.dumps(r))
        paths.append(str(path))
    s, text = bench(tmp_path, 'summary', '--mode', 'summary', '--inputs',
                    *paths, config=None)
    rows = {row['metric']: row for row in s['rows']}
    # CPU results never count for the GPU throughput targets
    assert rows['training clips/s (bf16)']['status'] == 'n/a'
    assert rows['head share of a training step']['value'] is not None
    assert rows['text tower runs in timed steps']['status'] == 'PASS'
    assert 'targets' in text


def test_gpu_check_script_syntax():
    res = subprocess.run(['bash', '-n', 'tools/analysis/gpu_check.sh'],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
