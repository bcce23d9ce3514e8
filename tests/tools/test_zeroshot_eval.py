# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis/zeroshot_eval.py: all splits from one checkpoint."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from _inprocess_tools import run_script
from mote_mmaction.testing import (save_tiny_checkpoint, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_zeroshot_eval_over_splits(tmp_path):
    root = str(tmp_path)
    for split, classes in ((1, MOTION_CLASSES[4:6]),
                           (2, MOTION_CLASSES[5:8])):
        generate_motion_dataset(root, list(classes), 2, f'split{split}',
                                seed=split)
    train_classes = list(MOTION_CLASSES[:4])
    cfg = Config(
        dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(train_classes, num_layers=1),
            test_dataloader=dict(
                batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(
                    type='MoTEVideoDataset', split=1,
                    ann_file=root + '/split{split}.txt',
                    class_names=root + '/split{split}_classes.txt',
                    data_prefix=dict(video=root),
                    test_mode=True,
                    pipeline=tiny_video_pipeline(clip_len=8, num_clips=3))),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop'),
            custom_hooks=[dict(type='MoTEVocabularyHook')],
            log_level='WARNING'))
    config, ckpt, model = save_tiny_checkpoint(cfg, str(tmp_path),
                                               'zeroshot_toy')

    out = str(tmp_path / 'report.json')
    res = run_script('tools/analysis/zeroshot_eval.py', ckpt,
                     '--configs', config, '--splits', '1', '2', '2',
                     '--closeset-top1', '50', '--work-dir',
                     str(tmp_path / 'w'), '--out', out)
    assert res.returncode == 0, res.stderr[-3000:]
    # the repeated split is tested once
    assert '2 distinct split(s) (1, 2)' in res.stdout
    report = json.loads(open(out).read())
    toy = report['datasets']['toy']
    assert toy['n'] == 2 and len(toy['splits']) == 2
    # 2 classes x 2 videos in split 1, 3 x 2 in split 2: top-1 in steps
    for acc, n in zip(toy['splits'], (4, 6)):
        assert abs(acc * n / 100 - round(acc * n / 100)) < 1e-6
    assert report['hmzs'] == toy['mean']
    hm = 2 / (1 / 50 + 1 / toy['mean']) if toy['mean'] else 0.0
    assert abs(report['tradeoff'] - hm) < 1e-9
    assert 'HM (zero-shot)' in res.stdout

    # NaN weights: the tool stops naming the first video, no HMZS printed
    # (the config has no default hooks: the tool adds the score check)
    state = {k: v.float().fill_(float('nan'))
             if k.startswith('backbone.visual.proj') else v
             for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state), ckpt)
    res = run_script('tools/analysis/zeroshot_eval.py', ckpt,
                     '--configs', config, '--splits', '1', '--work-dir',
                     str(tmp_path / 'w_nan'), '--out', out + '.nan')
    first = open(root + '/split1.txt').read().split()[0]
    assert res.returncode == 1
    assert 'NonFiniteScoreError: test: 4 videos got NaN/inf class scores ' \
        f'(first: {osp.join(root, first)}' in res.stderr
    assert not osp.exists(out + '.nan')


@pytest.mark.parametrize('arch,layers', [('ViT-B-16', 4), ('ViT-L-14', 6)])
def test_arch_picks_its_zeroshot_configs(arch, layers):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'zeroshot_eval',
        osp.join(REPO, 'tools', 'analysis', 'zeroshot_eval.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    configs = tool.arch_configs(arch)
    assert [osp.basename(c).split('_')[1].split('.')[0] for c in configs] == [
        'ucf101', 'hmdb51', 'k600']
    for c in configs:
        cfg = Config.fromfile(osp.join(REPO, c))
        assert cfg.model.backbone.arch == arch
        assert cfg.model.cls_head.num_layers == layers
