# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE hooks in a Runner: vocabulary from the dataset, CLIP blend."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner
from open_clip.model import CLIP

from mote_mmaction.testing import (tiny_clip_arch, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

TRAIN = list(MOTION_CLASSES[:3])


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('hooks'))
    generate_motion_dataset(root, list(MOTION_CLASSES[3:7]), 1, 'zs')
    return root


def make_cfg(root, work_dir, hooks, pretrained=None):
    pipeline = tiny_video_pipeline()
    return Config(
        dict(
            default_scope='mmaction',
            model=tiny_mote_model_cfg(TRAIN, num_layers=1,
                                      pretrained=pretrained),
            work_dir=work_dir,
            test_dataloader=dict(
                batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='MoTEVideoDataset',
                             ann_file=osp.join(root, 'zs.txt'),
                             class_names=osp.join(root, 'zs_classes.txt'),
                             data_prefix=dict(video=root), test_mode=True,
                             pipeline=pipeline)),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop'),
            custom_hooks=hooks,
            log_level='WARNING'))


def test_vocabulary_hook_scores_against_the_dataset_classes(data, tmp_path):
    seen = []
    runner = Runner.from_cfg(
        make_cfg(data, str(tmp_path), [dict(type='MoTEVocabularyHook')]))
    head = runner.model.cls_head
    orig = head.forward
    head.forward = lambda x, **kw: seen.append(orig(x, **kw)) or seen[-1]
    runner.test()
    assert all(s.shape[1] == 4 for s in seen)  # the 4 zero-shot classes
    assert head._eval_names is None  # training vocabulary restored


def test_clip_blend_hook(data, tmp_path):
    arch = tiny_clip_arch()
    torch.manual_seed(5)
    clip = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                quick_gelu=True)
    clip_path = str(tmp_path / 'clip.pt')
    torch.save(clip.state_dict(), clip_path)
    torch.manual_seed(6)
    ft = MODELS.build(tiny_mote_model_cfg(TRAIN, num_layers=1))
    ft.cls_head.train_table()
    ckpt = str(tmp_path / 'ft.pth')
    torch.save(dict(state_dict=ft.state_dict()), ckpt)

    cfg = make_cfg(data, str(tmp_path), [
        dict(type='MoTEVocabularyHook'),
        dict(type='MoTECLIPBlendHook', alpha=0.9, clip_pretrained=clip_path)
    ])
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    runner.test()
    got = runner.model.backbone.visual.conv1.weight
    want = 0.9 * ft.backbone.visual.conv1.weight + \
        0.1 * clip.visual.conv1.weight
    assert torch.allclose(got, want, atol=1e-6)
    # the temporal head is not blended
    assert torch.equal(runner.model.cls_head.temporal.resblocks[0].ln_1.bias,
                       ft.cls_head.temporal.resblocks[0].ln_1.bias)
