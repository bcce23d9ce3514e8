# Copyright (c) OpenMMLab. All rights reserved.
"""The test-time CLIP blend of the MoTE configs: on by default when the
backbone has a CLIP file, once per loaded checkpoint, never twice."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner
from open_clip.model import CLIP

from mote_mmaction.testing import (tiny_clip_arch, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import generate_motion_dataset

TRAIN = ['moving left', 'moving right', 'growing']


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('blend'))
    generate_motion_dataset(root, TRAIN, 1, 'val')
    arch = tiny_clip_arch()
    torch.manual_seed(5)
    clip = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                quick_gelu=True)
    clip_path = osp.join(root, 'clip.pt')
    torch.save(clip.state_dict(), clip_path)
    torch.manual_seed(6)
    ft = MODELS.build(tiny_mote_model_cfg(TRAIN, pretrained=clip_path))
    ft.cls_head.train_table()
    # fine-tuned weights differ from CLIP's
    ft.backbone.visual.conv1.weight.data.add_(1.0)
    ckpt = osp.join(root, 'ft.pth')
    torch.save(dict(state_dict=ft.state_dict()), ckpt)
    blended_ckpt = osp.join(root, 'ft_blended.pth')
    torch.save(dict(meta=dict(clip_blend_alpha=0.99),
                    state_dict=ft.state_dict()), blended_ckpt)
    return dict(root=root, clip=clip, clip_path=clip_path, ft=ft, ckpt=ckpt,
                blended_ckpt=blended_ckpt)


def blend_cfg(files, work_dir, ckpt, pretrained='clip', hook=None,
              **test_cfg):
    """``tools/test.py``'s config as the MoTE configs set it up."""
    model = tiny_mote_model_cfg(
        TRAIN,
        pretrained=files['clip_path'] if pretrained == 'clip' else pretrained)
    model['test_cfg'] = {'clip_blend_alpha': 0.99, **test_cfg}
    return Config(
        dict(
            default_scope='mmaction',
            model=model,
            work_dir=work_dir,
            load_from=ckpt,
            test_dataloader=dict(
                batch_size=3, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='MoTEVideoDataset',
                             ann_file=osp.join(files['root'], 'val.txt'),
                             class_names=TRAIN,
                             data_prefix=dict(video=files['root']),
                             test_mode=True, pipeline=tiny_video_pipeline())),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop'),
            custom_hooks=[hook or dict(type='MoTECLIPBlendHook')],
            log_level='WARNING'))


def run_test(files, work_dir, ckpt, pretrained='clip', hook=None,
             **test_cfg):
    """Test with :func:`blend_cfg`'s config; returns the runner."""
    runner = Runner.from_cfg(
        blend_cfg(files, work_dir, ckpt, pretrained, hook, **test_cfg))
    runner.test()
    return runner


def conv1(model):
    return model.backbone.visual.conv1.weight.detach().clone()


def test_blend_is_on_by_default_and_applied_once(files, tmp_path):
    runner = run_test(files, str(tmp_path), files['ckpt'])
    want = 0.99 * conv1(files['ft']) + 0.01 * files['clip'].visual.conv1.weight
    torch.testing.assert_close(conv1(runner.model), want.detach())
    assert runner.model.clip_blend_applied == 0.99
    # logit_scale is blended too; the temporal head is not
    torch.testing.assert_close(
        runner.model.cls_head.logit_scale.detach(),
        0.99 * files['ft'].cls_head.logit_scale.detach() +
        0.01 * files['clip'].logit_scale.detach())
    assert torch.equal(runner.model.cls_head.temporal.frame_position_embeddings
                       .weight, files['ft'].cls_head.temporal
                       .frame_position_embeddings.weight)
    runner.test()  # a second test of the same runner: no second blend
    torch.testing.assert_close(conv1(runner.model), want.detach())
    with pytest.raises(RuntimeError, match='already blended'):
        runner.model.blend_with_clip(0.99, files['clip_path'])


def test_checkpoint_blended_by_the_converter_is_not_blended_again(
        files, tmp_path):
    runner = run_test(files, str(tmp_path), files['blended_ckpt'])
    assert torch.equal(conv1(runner.model), conv1(files['ft']))


def test_blend_off_and_without_clip_file(files, tmp_path):
    off = run_test(files, str(tmp_path / 'off'), files['ckpt'],
                   clip_blend_alpha=None)
    assert torch.equal(conv1(off.model), conv1(files['ft']))
    assert off.model.clip_blend_applied is None
    none = run_test(files, str(tmp_path / 'none'), files['ckpt'],
                    pretrained=None)
    assert torch.equal(conv1(none.model), conv1(files['ft']))


def test_missing_clip_file_is_a_clear_error(files, tmp_path):
    model = MODELS.build(tiny_mote_model_cfg(TRAIN))
    missing = str(tmp_path / 'nope' / 'ViT-B-16.pt')
    with pytest.raises(FileNotFoundError, match='clip_blend_alpha=None'):
        model.blend_with_clip(0.99, missing)


def test_explicit_alpha_and_clip_file_override_the_model(files, tmp_path):
    """The hook's own ``alpha`` and ``clip_pretrained`` win over the
    model's ``test_cfg`` and backbone (which has no CLIP file here)."""
    runner = run_test(
        files, str(tmp_path), files['ckpt'], pretrained=None,
        hook=dict(type='MoTECLIPBlendHook', alpha=0.9,
                  clip_pretrained=files['clip_path']))
    want = 0.9 * conv1(files['ft']) + 0.1 * files['clip'].visual.conv1.weight
    torch.testing.assert_close(conv1(runner.model), want.detach())
    assert runner.model.clip_blend_applied == 0.9
    # the temporal head is not blended
    assert torch.equal(runner.model.cls_head.temporal.resblocks[0].ln_1.bias,
                       files['ft'].cls_head.temporal.resblocks[0].ln_1.bias)
