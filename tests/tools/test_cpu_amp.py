# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py on a machine without a GPU: an AMP config
(``configs/mote/k400.py``) or ``--amp`` trains in fp32 with one warning
instead of MMEngine's bare ``AmpOptimWrapper`` assertion; the demo config
takes ``--auto-scale-lr``."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from torch import nn

from mote_mmaction.compat.launch import amp_fallback_on_cpu

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')


@pytest.fixture
def train_tool(monkeypatch):
    """tools/train.py's functions, on a machine without an accelerator."""
    monkeypatch.syspath_prepend(TOOLS)
    import mmengine.device
    monkeypatch.setattr(mmengine.device, 'get_device', lambda: 'cpu')
    return runpy.run_path(osp.join(TOOLS, 'train.py'))


def _args(tool, *argv):
    old = sys.argv
    sys.argv = ['train.py', 'config.py', *argv]
    try:
        return tool['parse_args']()
    finally:
        sys.argv = old


def test_amp_config_on_cpu_trains_in_fp32_with_one_warning(
        train_tool, log_messages):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400.py'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    if not torch.cuda.is_available():  # the failure this replaces
        with pytest.raises(AssertionError):
            build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper.copy())
    assert amp_fallback_on_cpu(cfg)
    wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)
    assert type(wrapper) is OptimWrapper
    assert type(wrapper.optimizer).__name__ == 'AdamW'
    warned = [m for m in log_messages if 'AmpOptimWrapper needs' in m]
    assert warned == [
        'AmpOptimWrapper needs a GPU (or NPU/MLU/MUSA) and none is found: '
        'training in full precision (fp32) with OptimWrapper, same '
        'optimizer (docs/cpu.md).']


def test_amp_flag_and_auto_scale_lr_on_the_demo_config(train_tool):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'mote',
                                   'demo_tiny_motion.py'))
    cfg = train_tool['merge_args'](cfg, _args(train_tool, '--amp',
                                              '--auto-scale-lr'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    # one process x the config's batch: the learning rate stays as set
    assert cfg.auto_scale_lr == dict(
        enable=True, base_batch_size=cfg.train_dataloader.batch_size)
    assert amp_fallback_on_cpu(cfg)
    wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)
    assert type(wrapper) is OptimWrapper


def test_the_documented_cpu_override_of_a_config(tmp_path):
    """docs/cpu.md's override for a config of one's own: the snippet, as
    written there, makes k400.py's optimizer wrapper a plain one on CPU."""
    doc = open(osp.join(REPO, 'docs', 'cpu.md'), encoding='utf-8').read()
    snippet = doc.split('```python\n', 1)[1].split('```', 1)[0]
    base = osp.join(REPO, 'configs', 'mote', 'k400.py')
    own = tmp_path / 'my_cpu_config.py'
    own.write_text(f'_base_ = [{base!r}]\n' + snippet)
    cfg = Config.fromfile(str(own))
    assert 'loss_scale' not in cfg.optim_wrapper
    assert 'dtype' not in cfg.optim_wrapper
    wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)
    assert type(wrapper) is OptimWrapper
    assert type(wrapper.optimizer).__name__ == 'AdamW'
