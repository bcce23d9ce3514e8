# Copyright (c) OpenMMLab. All rights reserved.
"""toolkit.benchmarking.models: the benchmarked model built from the
tiny config without weight files, and its synthetic inputs."""
import types

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import models
from mote_mmaction.models.text.text_encoder import MOTE_TEMPLATES


def test_clip_geometry_of_the_tiny_config(tiny_cfg):
    """Frames per view and views per clip: train 1 clip; test 2 clips x
    ThreeCrop."""
    assert models.clip_geometry(tiny_cfg, 'train') == (8, 1)
    assert models.clip_geometry(tiny_cfg, 'val') == (8, 1)
    assert models.clip_geometry(tiny_cfg, 'test') == (8, 6)


def test_clip_geometry_of_other_pipelines():
    """Any sampler's clip_len/num_clips times TenCrop's 10; without a
    pipeline 8 frames, 1 view."""
    cfg = Config(dict(test_pipeline=[
        dict(type='SampleFrames', clip_len=4, num_clips=3),
        dict(type='TenCrop', crop_size=8)
    ]))
    assert models.clip_geometry(cfg, 'test') == (4, 30)
    assert models.clip_geometry(cfg, 'train') == (8, 1)


def test_frame_size():
    """--size wins; else the CLIP arch's image size (open_clip name,
    inline dict, or a [H, W] pair); 224 without an arch."""
    args = types.SimpleNamespace(size=None)

    def cfg(backbone):
        return Config(dict(model=dict(backbone=backbone)))

    assert models.frame_size(cfg(dict(arch='ViT-B-16')), args) == 224
    tiny = dict(embed_dim=8, vision_cfg=dict(image_size=[48, 48]))
    assert models.frame_size(cfg(dict(arch=tiny)), args) == 48
    assert models.frame_size(cfg(dict(type='X')), args) == 224
    assert models.frame_size(cfg(dict(arch=tiny)),
                             types.SimpleNamespace(size=16)) == 16


def test_class_names():
    assert models.class_names(3) == ['action 000', 'action 001', 'action 002']
    assert models.class_names(1, 'novel action') == ['novel action 000']


@pytest.mark.parametrize('flag,optim_wrapper,amp', [
    ('bfloat16', dict(type='OptimWrapper'), 'bfloat16'),
    ('config', dict(type='AmpOptimWrapper', dtype='bfloat16'), 'bfloat16'),
    ('config', dict(type='AmpOptimWrapper'), 'float16'),
    ('config', dict(type='OptimWrapper'), 'none'),
    ('config', None, 'none'),
])
def test_resolve_amp(flag, optim_wrapper, amp):
    """--amp-dtype wins; 'config' reads the AmpOptimWrapper's dtype (its
    default float16); no AMP wrapper is 'none'."""
    cfg = Config(dict(optim_wrapper=optim_wrapper) if optim_wrapper else {})
    assert models.resolve_amp(cfg, types.SimpleNamespace(
        amp_dtype=flag)) == amp


def test_model_config(tiny_cfg, bench_args):
    """No weight files; N generated class names; the first templates;
    gradient checkpointing as asked; deploy = one expert; the config
    itself untouched."""
    args = bench_args('--num-classes', 5, '--text-templates', 2,
                      '--grad-ckpt', 'on')
    m = models.model_config(tiny_cfg, args)
    assert m.backbone.pretrained is None
    assert m.backbone.grad_checkpointing is True
    assert m.cls_head.text_encoder.pretrained is None
    assert m.cls_head.num_classes == 5
    assert m.cls_head.class_names == models.class_names(5)
    assert m.cls_head.text_encoder.templates == list(MOTE_TEMPLATES[:2])
    assert m.cls_head.num_experts == 4
    assert models.model_config(tiny_cfg, args,
                               deploy=True).cls_head.num_experts == 1
    # config defaults: the config's classes, templates and checkpointing
    m = models.model_config(tiny_cfg, bench_args())
    assert m.cls_head.num_classes == 8
    assert m.cls_head.class_names == models.class_names(8)
    assert 'templates' not in m.cls_head.text_encoder
    assert 'grad_checkpointing' not in m.backbone
    assert tiny_cfg.model.backbone.pretrained.endswith('tiny_clip.pth')
    assert tiny_cfg.train_dataloader.dataset.class_names.endswith(
        'train_classes.txt')
    assert tiny_cfg.model.cls_head.num_experts == 4


def test_model_config_drops_test_class_names(tiny_cfg, bench_args):
    """A config's test vocabulary is not benchmarked: the generated
    training names are the only vocabulary."""
    cfg = Config(dict(model=tiny_cfg.model.to_dict()))
    cfg.model.cls_head.test_class_names = 'data/zeroshot_classes.txt'
    m = models.model_config(cfg, bench_args())
    assert 'test_class_names' not in m.cls_head


def test_build_model_with_random_tables(tiny_cfg, bench_args):
    """Random tables for the training and the TFM vocabulary: unit rows,
    seeded, and the text tower never runs; 4 experts per FFN, one per
    temporal layer (2)."""
    args = bench_args('--num-classes', 3, '--random-text-tables',
                      '--tfm-classes', 2, '--seed', 1)
    model = models.build_model(tiny_cfg, args)
    enc = models.text_encoder_of(model)
    assert enc is model.cls_head.text_encoder
    assert isinstance(enc, models.CountingTextEncoder)
    train = enc.encode(models.class_names(3))
    novel = enc.encode(models.class_names(2, 'novel action'))
    assert train.shape == (3, 64) and novel.shape == (2, 64)
    assert torch.allclose(train.norm(dim=-1), torch.ones(3))
    assert torch.allclose(novel.norm(dim=-1), torch.ones(2))
    assert models.tower_runs(model) == 0
    # the tables drawn in order from the seed alone
    gen = torch.Generator().manual_seed(1)
    for table, n in ((train, 3), (novel, 2)):
        expected = F.normalize(torch.randn(n, 64, generator=gen), dim=-1)
        assert torch.allclose(table, expected)
    ffns = models.expert_ffns(model)
    assert [f.num_experts for f in ffns] == [4, 4]
    assert next(model.parameters()).device.type == 'cpu'


def test_build_deploy_model_and_tower_runs(tiny_cfg, bench_args):
    """The deploy model has one FFN per layer; its table comes from the
    text tower once, then from the cache."""
    model = models.build_model(
        tiny_cfg, bench_args('--num-classes', 2, '--text-templates', 1),
        deploy=True)
    assert [f.num_experts for f in models.expert_ffns(model)] == [1, 1]
    assert models.tower_runs(model) == 0
    model.cls_head.train_table()
    assert models.tower_runs(model) == 1
    models.text_encoder_of(model).encode(models.class_names(2))
    assert models.tower_runs(model) == 1


def test_models_without_a_text_encoder():
    """Heads without a text tower (stock MMAction2): no runs, no tables."""
    plain = torch.nn.Module()
    plain.cls_head = torch.nn.Linear(4, 2)
    assert models.text_encoder_of(plain) is None
    assert models.tower_runs(plain) == 0
    models.install_random_tables(plain, [['a', 'b']], seed=0)
    assert models.expert_ffns(plain) == []


def test_synthetic_batch():
    """Collated like a DataLoader's: per clip uint8 ``[V, 3, T, H, W]``,
    labels in range; the same seed gives the same batch."""
    b = models.synthetic_batch(3, 2, 4, 8, 5, 'cpu', seed=7)
    assert len(b['inputs']) == len(b['data_samples']) == 3
    for x in b['inputs']:
        assert x.shape == (2, 3, 4, 8, 8) and x.dtype == torch.uint8
    labels = torch.cat([s.gt_label for s in b['data_samples']])
    assert labels.shape == (3, ) and 0 <= labels.min() <= labels.max() < 5
    again = models.synthetic_batch(3, 2, 4, 8, 5, 'cpu', seed=7)
    other = models.synthetic_batch(3, 2, 4, 8, 5, 'cpu', seed=8)
    assert all(torch.equal(x, y) for x, y in zip(b['inputs'],
                                                 again['inputs']))
    assert not torch.equal(b['inputs'][0], other['inputs'][0])


def test_synthetic_batch_on_host():
    """--host-inputs: the batch stays on the host whatever the device, so
    the copy to it is part of the timed step."""
    b = models.synthetic_batch(1, 1, 2, 4, 3, 'cuda', seed=0, on_host=True)
    assert b['inputs'][0].device.type == 'cpu'
    assert b['data_samples'][0].gt_label.device.type == 'cpu'
