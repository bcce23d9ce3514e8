# Copyright (c) OpenMMLab. All rights reserved.
"""The tiny config of the benchmark tests and its command-line arguments."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import parse_args

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
TINY_CFG = osp.join(REPO, 'configs', 'mote', 'demo_tiny_motion.py')


@pytest.fixture(scope='session')
def tiny_cfg():
    """``configs/mote/demo_tiny_motion.py`` (2-layer 64-d CLIP, 8 classes,
    4 experts); its weight and class files are never read."""
    return Config.fromfile(TINY_CFG)


@pytest.fixture
def one_thread():
    """One torch thread while the test runs: the tiny model's ops are too
    small to share, and on a busy machine the hand-offs between threads
    cost far more than the ops."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def bench_args(one_thread):
    """Factory of the benchmark's arguments for the tiny config, CPU, the
    fewest steps, one torch thread; extra command-line flags are
    appended."""

    def make(*flags):
        return parse_args([TINY_CFG, '--device', 'cpu', '--warmup', '1',
                           '--iters', '1', '--repeats', '1'] +
                          [str(f) for f in flags])

    return make
