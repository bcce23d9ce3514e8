# Copyright (c) OpenMMLab. All rights reserved.
"""Checkpoints that would leave weights random are errors for load_from /
tools/test.py / resume / init_recognizer, unless partial loads are
allowed."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_clip_arch, tiny_mote_model_cfg
from mote_mmaction.compat.checkpoint_fit import (PARTIAL_ENV,
                                                 CheckpointMismatchError)

CLASSES = ['a', 'b', 'c']


@pytest.fixture(autouse=True)
def strict_by_default(monkeypatch):
    monkeypatch.delenv(PARTIAL_ENV, raising=False)


def runner_for(tmp_path, ckpt, **cfg):
    return Runner.from_cfg(Config(dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(CLASSES, num_layers=1),
        work_dir=str(tmp_path / 'work'), load_from=ckpt,
        log_level='WARNING', **cfg)))


def save(tmp_path, name, state):
    path = str(tmp_path / name)
    torch.save(dict(state_dict=state), path)
    return path


def test_no_shared_keys_is_an_error_naming_the_file(tmp_path):
    path = save(tmp_path, 'other.pth', {'fc.weight': torch.zeros(2, 2)})
    runner = runner_for(tmp_path, path)
    with pytest.raises(CheckpointMismatchError) as info:
        runner.load_or_resume()
    msg = str(info.value)
    assert msg.startswith(f'{path} does not fit the model')
    assert 'shares no parameter name' in msg and "fc.weight" in msg
    assert 'backbone.visual.conv1.weight' in msg
    assert 'allow_partial_load = True' in msg and PARTIAL_ENV in msg


def test_backbone_of_another_shape_is_an_error(tmp_path):
    """Like B/16 weights into a B/32 config: conv1 would stay random."""
    arch = tiny_clip_arch()
    arch['vision_cfg']['patch_size'] = 16
    other = tiny_mote_model_cfg(CLASSES, num_layers=1)
    other['backbone']['arch'] = arch
    model = MODELS.build(other)
    model.cls_head.train_table()
    path = save(tmp_path, 'patch16.pth', model.state_dict())
    with pytest.raises(CheckpointMismatchError,
                       match=r'backbone.visual.conv1.weight: file '
                       r'\(64, 3, 16, 16\) vs model \(64, 3, 8, 8\)'):
        runner_for(tmp_path, path).load_or_resume()


def test_complete_checkpoint_loads_and_partial_is_opt_in(tmp_path,
                                                         monkeypatch):
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=1))
    state = model.state_dict()
    good = save(tmp_path, 'good.pth', state)
    runner = runner_for(tmp_path, good)
    runner.load_or_resume()
    assert torch.equal(runner.model.backbone.visual.conv1.weight,
                       state['backbone.visual.conv1.weight'])
    # without the head: an error by default, allowed by the config key
    partial = save(tmp_path, 'backbone_only.pth', {
        k: v for k, v in state.items() if k.startswith('backbone.')})
    with pytest.raises(CheckpointMismatchError, match='cls_head.'):
        runner_for(tmp_path, partial).load_or_resume()
    runner = runner_for(tmp_path, partial, allow_partial_load=True)
    runner.load_or_resume()
    assert torch.equal(runner.model.backbone.visual.conv1.weight,
                       state['backbone.visual.conv1.weight'])
    monkeypatch.setenv(PARTIAL_ENV, '1')
    runner_for(tmp_path, partial).load_or_resume()


def test_init_recognizer_refuses_a_partial_checkpoint(tmp_path):
    from mmaction.apis import init_recognizer
    path = save(tmp_path, 'other.pth', {'fc.weight': torch.zeros(2, 2)})
    cfg = Config(dict(default_scope='mmaction',
                      model=tiny_mote_model_cfg(CLASSES, num_layers=1)))
    with pytest.raises(CheckpointMismatchError, match='other.pth'):
        init_recognizer(cfg, path, device='cpu')
