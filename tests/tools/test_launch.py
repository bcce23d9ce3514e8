# Copyright (c) OpenMMLab. All rights reserved.
"""tools/_launch.py: ``--launcher pytorch`` on a machine without CUDA."""
import os.path as osp

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

TOOLS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'tools')


@pytest.fixture
def launch(monkeypatch):
    monkeypatch.syspath_prepend(TOOLS)
    import _launch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    # as after the tool's own gloo init: the test process stays single
    monkeypatch.setattr(dist, 'is_initialized', lambda: True)
    monkeypatch.setenv('LOCAL_RANK', '0')  # restored after the test
    return _launch.setup_cpu_distributed


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
