# Copyright (c) OpenMMLab. All rights reserved.
"""The documented flow for the MoTE authors' checkpoints, end to end:
convert -> tools/test.py -> zeroshot_eval.py -> export_onnx.py ->
demo_video.py, from one file in the authors' layout; and the unconverted
file refused by the tools with the converter's command."""
import json
import os.path as osp
import pickle
import re

import pytest
import torch
from mmengine.config import Config

from _inprocess_tools import run_script
from _official_ckpt import C, L, official_checkpoint
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

CLASSES = list(MOTION_CLASSES[:C])  # the authors' file has C classes
NOVEL = list(MOTION_CLASSES[C:])


def _loader(ann, root, class_names):
    return dict(
        batch_size=3, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='MoTEVideoDataset', ann_file=ann,
                     class_names=class_names, data_prefix=dict(video=root),
                     test_mode=True, pipeline=tiny_video_pipeline()))


@pytest.fixture(scope='module')
def flow(tmp_path_factory):
    """An authors'-layout file, a close-set test config over its C classes
    (one clip each) and a zero-shot config over 2 novel classes."""
    tmp = tmp_path_factory.mktemp('converted_flow')
    root = str(tmp / 'data')
    close_ann, _ = generate_motion_dataset(root, CLASSES, 1, 'val', seed=5)
    generate_motion_dataset(root, NOVEL, 1, 'novel1', seed=6)
    common = dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(CLASSES, num_layers=L),
        test_pipeline=tiny_video_pipeline(),
        test_evaluator=dict(type='AccMetric'),
        test_cfg=dict(type='TestLoop'),
        log_level='WARNING')
    close = Config(dict(common, test_dataloader=_loader(
        close_ann, root, CLASSES)))
    close_cfg = str(tmp / 'close.py')
    close.dump(close_cfg)
    zeroshot = Config(dict(
        common,
        test_dataloader=_loader(root + '/novel{split}.txt', root,
                                root + '/novel{split}_classes.txt'),
        custom_hooks=[dict(type='MoTEVocabularyHook')]))
    zeroshot.test_dataloader.dataset.split = 1
    zs_cfg = str(tmp / 'zeroshot_novel.py')
    zeroshot.dump(zs_cfg)
    src = str(tmp / 'MoTE_tiny.pt')
    torch.save(official_checkpoint(seed=1)[0], src)
    videos = [osp.join(root, line.split()[0])
              for line in open(close_ann).read().splitlines()]
    return dict(tmp=tmp, src=src, close=close_cfg, zeroshot=zs_cfg,
                videos=videos)


def test_authors_file_through_every_tool(flow):
    tmp, src = flow['tmp'], flow['src']
    ckpt = str(tmp / 'converted.pth')
    res = run_script('tools/convert_official_ckpt.py', src, ckpt)
    assert res.returncode == 0, res.stderr
    # the converter writes a 0-d logit scale; every tool's fit check
    # takes it (it once stopped tools/test.py)
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['state_dict']['cls_head.logit_scale'].dim() == 0

    dump = str(tmp / 'preds.pkl')
    res = run_script('tools/test.py', flow['close'], ckpt, '--work-dir',
                     str(tmp / 'test'), '--dump', dump)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == C

    out = str(tmp / 'zs.json')
    res = run_script('tools/analysis/zeroshot_eval.py', ckpt, '--configs',
                     flow['zeroshot'], '--splits', '1', '--work-dir',
                     str(tmp / 'zs'), '--out', out)
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads(open(out).read())
    # 2 novel classes x 1 clip: top-1 is 0, 50 or 100
    assert report['datasets']['novel']['splits'][0] in (0.0, 50.0, 100.0)

    onnx_file = str(tmp / 'mote.onnx')
    res = run_script('tools/deployment/export_onnx.py', flow['close'], ckpt,
                     onnx_file)
    assert res.returncode == 0, res.stderr[-3000:]
    assert float(re.search(r'max abs diff (\S+)', res.stdout)[1]) <= 1e-4

    # the demo ranks the first video as tools/test.py scored it (one view:
    # CLIP's logit scale changes the numbers, not the order)
    res = run_script('tools/demo/demo_video.py', flow['close'], ckpt,
                     flow['videos'][0], '--topk', '1')
    assert res.returncode == 0, res.stderr[-3000:]
    top1 = res.stdout.strip().splitlines()[-1]
    assert top1.startswith(
        f'1. {CLASSES[int(preds[0]["pred_score"].argmax())]}: ')


@pytest.mark.parametrize('tool', ['tools/test.py', 'tools/demo/demo_video.py'])
def test_unconverted_file_names_the_converter(flow, tool):
    """The authors' file where a converted one belongs: one message naming
    the converter command for this file, no partial-load advice."""
    src = flow['src']
    args = [flow['close'], src]
    args += (['--work-dir', str(flow['tmp'] / 'w')] if tool.endswith(
        'test.py') else [flow['videos'][0], '--labels', 'a,b'])
    res = run_script(tool, *args)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    stem = osp.splitext(src)[0]
    assert last.startswith('mote_mmaction.compat.checkpoint_fit.'
                           f'CheckpointMismatchError: {src} does not fit the '
                           "model: it is in the MoTE authors' layout")
    assert (f'run `python tools/convert_official_ckpt.py {src} '
            f'{stem}_converted.pth` and load the converted file') in last
    assert 'allow_partial_load' not in last
