# Copyright (c) OpenMMLab. All rights reserved.
"""Every config in configs/mote builds; pipelines give the right views."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config

import mote_mmaction  # noqa: F401
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', 'mote', '*.py'))
    if not osp.basename(p).startswith('_'))


@pytest.fixture(scope='module')
def fake_data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('cfgdata'))
    ann, _ = generate_motion_dataset(root, list(MOTION_CLASSES[:2]), 1,
                                     'clips', seed=0, num_frames=16,
                                     size=(64, 48))
    names = osp.join(root, 'names.txt')
    with open(names, 'w') as f:
        f.write('\n'.join(f'action {i}' for i in range(400)) + '\n')
    return dict(root=root, ann=ann, names=names)


def test_all_configs_are_listed():
    names = {osp.basename(p) for p in CONFIGS}
    assert {'k400.py', 'k400_vit-l14.py', 'k400_vit-l14_16f.py',
            'zeroshot_ucf101.py', 'zeroshot_hmdb51.py', 'zeroshot_k600.py',
            'k400_deploy.py', 'demo_tiny_motion.py', 'k400_fp16.py',
            'zeroshot_ucf101_vit-l14.py', 'zeroshot_hmdb51_vit-l14.py',
            'zeroshot_k600_vit-l14.py'} <= names


@pytest.mark.parametrize('path', [
    p for p in CONFIGS if 'demo' not in p], ids=osp.basename)
def test_val_and_test_views_are_the_authors(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    if name.startswith(('fewshot', 'base2novel')):
        test_views = (1, 1)  # one view, as the few-shot protocol
    elif name.startswith('zeroshot'):
        test_views = (3, 1)
    else:
        test_views = (4, 3)
    want_clips = dict(val_dataloader=1, test_dataloader=test_views[0])
    want_crops = dict(val_dataloader=1, test_dataloader=test_views[1])
    for key in ('val_dataloader', 'test_dataloader'):
        steps = {t.type: t for t in cfg[key].dataset.pipeline}
        assert steps['MoTETestSample'].num_clips == want_clips[key], key
        if 'MoTEDeferredTestViews' in steps:  # GPU decoding: same views
            views = steps['MoTEDeferredTestViews']
            assert views.num_crops == want_crops[key], key
            assert views.short_side == views.crop_size == 224, key
            continue
        assert steps['MoTETestResize'].get('interpolation',
                                           'bicubic') == 'bicubic'
        assert steps['MoTETestResize'].get('backend', 'pillow') == 'pillow'
        assert steps['MoTETestCrop'].num_crops == want_crops[key], key
        assert not {'UniformSample', 'Resize', 'ThreeCrop',
                    'CenterCrop'} & set(steps), key
    if cfg.model.backbone.type != 'CLIPViT':
        return  # no CLIP visual weights to blend with
    # the authors' test-time blend with the original CLIP, on by default
    assert cfg.model.test_cfg.clip_blend_alpha == 0.99
    assert 'MoTECLIPBlendHook' in [h.type for h in cfg.custom_hooks]
    if 'vit-l14' in path:
        assert cfg.model.backbone.arch == 'ViT-L-14'
        assert cfg.model.cls_head.num_layers == 6
        assert cfg.model.cls_head.in_channels == 768
        assert cfg.model.cls_head.text_encoder.arch == 'ViT-L-14'
        assert 'ViT-L-14' in cfg.model.backbone.pretrained


def test_fp16_config_is_the_authors_amp():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400_fp16.py'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'float16'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    base = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400.py'))
    assert base.optim_wrapper.dtype == 'bfloat16'


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path, fake_data):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert 'mote_mmaction' in cfg.custom_imports['imports']
    head = cfg.model.cls_head
    head.class_names = [f'action {i}' for i in range(head.num_classes)]
    if 'gpu_decode' in path and not torch.cuda.is_available():
        # GPU decoding fails early and clearly without a GPU; its data
        # path is tested in tests/datasets/transforms/test_compressed_video
        # and tests/models/data_preprocessors.
        with pytest.raises(RuntimeError, match='needs a CUDA device'):
            MODELS.build(cfg.model)
        return
    with torch.device('meta'):  # shapes only: no weights, no CLIP file
        model = MODELS.build(cfg.model)
    assert model.cls_head.num_experts == (1 if 'deploy' in path else 4)
    if head.get('feature_adapter'):  # a stock backbone
        assert head.feature_adapter.out_channels == head.in_channels
    else:
        assert model.backbone.embed_dim == head.in_channels

    for key, views in (('train_dataloader', 1), ('val_dataloader', 1),
                       ('test_dataloader', None)):
        ds_cfg = cfg[key].dataset.copy()
        # a dataset wrapper (few-shot repeat) holds the video dataset
        inner = ds_cfg.dataset if 'dataset' in ds_cfg else ds_cfg
        inner.update(ann_file=fake_data['ann'],
                     data_prefix=dict(video=fake_data['root']),
                     class_names=fake_data['names'] if 'demo' not in path
                     else [f'c{i}' for i in range(5)],
                     split=None)
        ds = DATASETS.build(ds_cfg)
        item = ds[0]
        inputs = item['inputs']
        v, c, t, h, w = inputs.shape
        frames = 16 if '16f' in path else 8
        assert (c, t) == (3, frames)
        if views is not None:
            assert v == views
        elif 'zeroshot' in path:
            assert v == 3  # 3 clips x 1 centre crop
        elif osp.basename(path).startswith(('fewshot', 'base2novel')):
            assert v == 1  # one view
        elif 'demo' in path:
            assert v == 6
        else:
            assert v == 12  # 4 clips x 3 crops
        size = 32 if 'demo' in path else 224
        assert (h, w) == (size, size)


def test_k400_recipe():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400.py'))
    opt = cfg.optim_wrapper
    assert opt.optimizer.type == 'AdamW'
    assert opt.optimizer.lr == 5e-5 and opt.optimizer.weight_decay == 0.2
    assert opt.optimizer.betas == (0.9, 0.999)
    assert opt.paramwise_cfg.custom_keys['backbone']['lr_mult'] == 0.07
    assert opt.type == 'AmpOptimWrapper'
    assert cfg.train_cfg.max_epochs == 30
    assert cfg.train_dataloader.batch_size * 8 == 192
    assert cfg.auto_scale_lr.base_batch_size == 192
    warm, cos = cfg.param_scheduler
    assert warm.end == 5 and cos.end == 30 and cos.eta_min == 0
    assert warm.convert_to_iter_based and cos.convert_to_iter_based
    assert cfg.model.backbone.grad_checkpointing
    types = [t.type for t in cfg.train_pipeline]
    assert 'MoTERandomGrayscale' in types and 'UniformSample' in types
    l14 = Config.fromfile(
        osp.join(REPO, 'configs', 'mote', 'k400_vit-l14.py'))
    assert l14.model.cls_head.num_layers == 6
    assert l14.optim_wrapper.paramwise_cfg.custom_keys['backbone'][
        'lr_mult'] == 0.06
    assert l14.train_cfg.max_epochs == 20
    assert l14.train_dataloader.batch_size * 8 == 144


def test_zeroshot_split_is_one_variable(fake_data, tmp_path):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'mote', 'zeroshot_k600.py'))
    ds = cfg.test_dataloader.dataset
    assert ds.split == 1 and '{split}' in ds.ann_file
    cfg.merge_from_dict({'test_dataloader.dataset.split': 3})
    ds = cfg.test_dataloader.dataset.copy()
    # Build split 3 from files named like the data tools write them.
    for kind in ('videos', 'class_names'):
        src = fake_data['ann'] if kind == 'videos' else fake_data['names']
        dst = tmp_path / f'k600_zeroshot_split_3_{kind}.txt'
        dst.write_text(open(src).read())
    ds.update(
        ann_file=str(tmp_path / 'k600_zeroshot_split_{split}_videos.txt'),
        class_names=str(
            tmp_path / 'k600_zeroshot_split_{split}_class_names.txt'),
        data_prefix=dict(video=fake_data['root']),
        pipeline=[])
    dataset = DATASETS.build(ds)
    assert dataset.ann_file.endswith('split_3_videos.txt')
    assert len(dataset.metainfo['classes']) == 400


def test_ema_config_keeps_every_k400_hook():
    base = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400.py'))
    ema = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400_ema.py'))
    types = [h.type for h in ema.custom_hooks]
    assert types[0] == 'EMAHook'
    assert sorted(types[1:]) == sorted(h.type for h in base.custom_hooks)
