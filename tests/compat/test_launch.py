# Copyright (c) OpenMMLab. All rights reserved.
"""compat/launch.py: ``--launcher pytorch`` on a machine without CUDA, and
the config rewrites of tools/train.py and tools/test.py."""
import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mote_mmaction.compat import launch as launch_mod
from mote_mmaction.compat.safe_load import TRUSTED_ENV, is_trusted


@pytest.fixture
def launch(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    # as after the tool's own gloo init: the test process stays single
    monkeypatch.setattr(dist, 'is_initialized', lambda: True)
    monkeypatch.setenv('LOCAL_RANK', '0')  # restored after the test
    return launch_mod.setup_cpu_distributed


def test_runner_wraps_ddp_without_devices(launch):
    cfg = Config(dict(find_unused_parameters=True))
    launch(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', device_ids=None,
        find_unused_parameters=True)


def test_fsdp_strategy_keeps_shards_on_the_cpu(launch):
    cfg = Config(dict(strategy=dict(
        type='FSDPStrategy', model_wrapper=dict(use_orig_params=True))))
    launch(cfg, 'pytorch')
    assert cfg.strategy.model_wrapper == dict(use_orig_params=True,
                                              device_id='cpu')
    assert 'model_wrapper_cfg' not in cfg  # FlexibleRunner ignores it


def test_ddp_strategy_keeps_its_default_wrapper(launch):
    cfg = Config(dict(strategy=dict(type='DDPStrategy')))
    launch(cfg, 'pytorch')
    # DDPStrategy's own default, without the LOCAL_RANK device
    assert cfg.strategy.model_wrapper == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        device_ids=None)


def test_other_launchers_are_left_alone(launch):
    cfg = Config(dict(strategy=dict(type='FSDPStrategy')))
    launch(cfg, 'none')
    assert cfg.strategy == dict(type='FSDPStrategy')
    assert 'model_wrapper_cfg' not in cfg


def test_prepare_config_makes_checkpoints_atomic_and_trusts(monkeypatch,
                                                            tmp_path):
    monkeypatch.delenv(TRUSTED_ENV, raising=False)
    cfg = Config(dict(
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=2)),
        trusted_checkpoints=[str(tmp_path / 'a.pth')]))
    launch_mod.prepare_config(cfg, 'none', [str(tmp_path / 'b.pth')])
    assert cfg.default_hooks.checkpoint == dict(type='MoTECheckpointHook',
                                                interval=2)
    assert is_trusted(str(tmp_path / 'a.pth'))
    assert is_trusted(str(tmp_path / 'b.pth'))
    assert not is_trusted(str(tmp_path / 'c.pth'))
    assert 'model_wrapper_cfg' not in cfg  # no launcher, no wrapper change
