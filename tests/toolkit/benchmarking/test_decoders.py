# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.toolkit.benchmarking.decoders (``benchmark.py --mode data
--decoders``): every variant on the same generated clips, side by side,
with the workers needed; fields and invariants only, never a speed.

The side-by-side run is the one command-line smoke test of the benchmark:
a subprocess, as torchcodec needs the tool to restart itself on PyAV's
FFmpeg."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from mote_mmaction.toolkit.benchmarking import decoders

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def test_with_decoder_replaces_only_the_decode_steps():
    pipe = [dict(type='DecordInit', io_backend='disk'),
            dict(type='UniformSample', clip_len=8, num_clips=4,
                 test_mode=True),
            dict(type='DecordDecode'), dict(type='Resize', scale=(-1, 224))]
    out = decoders.with_decoder(pipe, 'pyav')
    assert out[0] == dict(type='MoTEVideoInit', backend='pyav',
                          io_backend='disk')
    assert out[2] == dict(type='MoTEVideoDecode')
    assert out[1] == pipe[1] and out[3] == pipe[3]
    assert decoders.with_decoder(out, 'decord_unsorted')[0][
        'type'] == 'DecordInit'


def test_decoders_side_by_side(tmp_path):
    out = tmp_path / 'data.json'
    cmd = [sys.executable, osp.join('tools', 'analysis', 'benchmark.py'),
           osp.join('configs', 'mote', 'demo_tiny_motion.py'), '--mode',
           'data', '--decoders', 'decord_unsorted', 'decord', 'torchcodec',
           'pyav', '--kinetics-sizes', '96x64', '--keyints', '4',
           '--kinetics-seconds', '0.6', '--kinetics-fps', '20',
           '--num-videos', '1', '--clips', '1', '--device', 'cpu',
           '--warmup', '1', '--repeats', '2', '--loader-workers', '1',
           '--loader-batch', '1', '--loader-batches', '1',
           '--json', str(out)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    r = json.loads(out.read_text())
    # torchcodec runs too: the tool restarts itself on PyAV's FFmpeg
    assert r['decoders']['run'] == ['decord_unsorted', 'decord',
                                    'torchcodec', 'pyav']
    assert set(r['video_sets']) == {'96x64_g4'}
    assert r['video_sets']['96x64_g4']['keyint'] == 4
    assert len(r['pipelines']) == 2 * 4
    for key, row in r['pipelines'].items():
        split = key.split('/')[0]
        assert row['unit'] == ('clips/s per worker' if split == 'train'
                               else 'views/s per worker')
        assert row['median'] > 0 and row['target'] == (
            580.0 if split == 'train' else 1750.0)
        assert row['workers_for_target'] >= row['target'] / row['max']
        # tiny config: test = 2 clips x 3 crops
        assert row['views_per_clip'] == (1 if split == 'train' else 6)
        assert 'ratio_vs_decord_unsorted' in row
        # the decoder's ceiling on the same file, beside every figure
        assert row['ceiling_frames_per_s'] > 0
        assert row['fraction_of_ceiling'] == pytest.approx(
            row['median'] / row['ceiling_rate'])
        counts = key.endswith('/pyav')  # only PyAV counts its frames
        assert (row['decoded_frames_per_clip'] is not None) == counts
    # the fastest variant of each row through the real DataLoader
    assert {k.rsplit('/', 1)[0] for k in r['loader']} == {
        'train/96x64_g4', 'test/96x64_g4'}
    # every variant decodes the same pixels as the unsorted decord path
    for key, check in r['frame_checks'].items():
        assert check['vs'] == 'decord_unsorted'
        assert check['max_abs_diff'] == 0, key
    assert 'workers for the target' in res.stdout
    assert 'decoder ceiling' in res.stdout
