# Copyright (c) OpenMMLab. All rights reserved.
"""The README's quick-start job, shortened: data, tiny CLIP pre-training,
MoTE fine-tuning, expert merge, close-set and zero-shot tests.

The zero-shot assertion is the demo's point: the merged MoTE model, scored
against the held-out class names it never trained on, beats chance by a
wide margin. It fails when the vocabulary switch, the class tables, TFM or
the tiny CLIP's loading break (each leaves the model near chance or
scoring the wrong classes)."""
import json
import os.path as osp
import sys
import pytest
import torch
from _inprocess_tools import run_script

from mote_mmaction.toolkit.demo.motion_demo import (HELD_OUT_CLASSES,
                                                    SEEN_CLASSES)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('embedded_default')
    work, data = tmp / 'work', tmp / 'data'
    # in this process (the command a user types is the same script)
    res = run_script('tools/run_embedded_default.py', '--work-dir',
                     str(work), '--data-root', str(data), '--epochs', '2',
                     '--train-videos', '3', '--test-videos', '2',
                     '--pretrain-steps', '150', '--only', 'clip', 'mote')
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res, work, data


def test_embedded_default_shortened(demo_run):
    res, work, _ = demo_run
    out = res.stdout
    # one line per phase, no MMEngine banner or config on the console
    for phase in ('pre-training tiny CLIP', 'fine-tuning MoTE',
                  'merging experts', 'close-set test', 'zero-shot test'):
        assert phase in out, out
    assert 'System environment' not in out and 'model = dict' not in out
    assert 'mmcv-lite' not in out + res.stderr  # compat filters it
    assert '(c) MoTE, experts merged, TFM' in out

    summary = json.loads((work / 'summary.json').read_text())
    chance = summary['chance']
    assert chance['zeroshot'] == 1 / len(HELD_OUT_CLASSES) <= 1 / 5
    assert chance['closeset'] == 1 / len(SEEN_CLASSES)
    mote = summary['results']['mote']
    assert mote['zeroshot'] >= 2 * chance['zeroshot'], mote
    # (a): the tiny CLIP, built outside a runner, names its zero-shot
    # classes well (its head takes the training dataset's class names)
    clip = summary['results']['clip']
    assert clip['zeroshot'] >= 2 * chance['zeroshot'], clip
    assert summary['tiny_clip']['object_top1'] > \
        2 * summary['tiny_clip']['object_chance']
    # the full MMEngine logs stay in the work dir
    assert (work / 'console.log').stat().st_size > 0
    logs = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert 'zeroshot/tradeoff' in logs and 'System environment' in logs

    # validated every epoch: the curves and the trade-off plot have a point
    # per epoch, written next to summary.json
    for png in ('curves_mote.png', 'tradeoff.png'):
        assert (work / png).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert f'plots: {work}/curves_mote.png, {work}/tradeoff.png' in out
    curves = json.loads((work / 'curves_mote.json').read_text())
    assert [x for x, _ in curves['accuracy']['acc/top1']] == [1, 2]
    assert [x for x, _ in curves['accuracy']['zeroshot/hm']] == [1, 2]
    assert {'loss_cls', 'loss_wmr', 'loss_mse'} <= set(curves['loss'])

    # the merged export is a single-FFN checkpoint with the class table
    ckpt = torch.load(str(work / 'mote' / 'mote_merged.pth'),
                      map_location='cpu', weights_only=True)
    keys = list(ckpt['state_dict'])
    assert ckpt['meta']['num_experts'] == 1
    assert ckpt['meta']['merged_from'] == summary['merged_experts'] == 4
    assert 'cls_head.train_class_embeds' in keys
    assert not any('.mlp.fc_up.1.' in k for k in keys)


def test_demo_video_on_held_out_clips(demo_run, monkeypatch, capsys):
    """demo_video.py with the demo's merged model and held-out labels:
    confident and mostly right (CLIP-scale probabilities). The script runs
    in this process (its command line and output), to spare three torch
    start-ups."""
    import runpy
    _, work, data = demo_run
    clips = sorted((data / 'videos' / 'zeroshot').glob('*_0.mp4'))
    names = (data / 'zeroshot_classes.txt').read_text().splitlines()
    right, confident = 0, 0
    monkeypatch.chdir(REPO)
    for clip in clips[:3]:
        monkeypatch.setattr(sys, 'argv', [
            'demo_video.py', str(work / 'mote' / 'deploy_config.py'),
            str(work / 'mote' / 'mote_merged.pth'), str(clip),
            '--labels-file', str(data / 'zeroshot_classes.txt'),
            '--topk', '2'])
        capsys.readouterr()
        runpy.run_path(osp.join(REPO, 'tools', 'demo', 'demo_video.py'),
                       run_name='__main__')
        out = capsys.readouterr().out
        top = [ln for ln in out.splitlines() if ln.startswith('1. ')]
        name, prob = top[0][3:].rsplit(': ', 1)
        assert name in names
        truth = clip.name.rsplit('_', 1)[0].replace('_', ' ')
        right += name == truth
        confident += float(prob) > 0.5
    assert right >= 2 and confident >= 2, (right, confident)
