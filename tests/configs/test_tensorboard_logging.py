# Copyright (c) OpenMMLab. All rights reserved.
"""configs/mote/k400_tensorboard.py's visualizer: a MoTE run logs its
losses to TensorBoard event files as well as to scalars.json."""
import glob
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner
from tensorboard.backend.event_processing.event_accumulator import \
    EventAccumulator


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_losses_reach_tensorboard(motion_train_cfg, tmp_path):
    shipped = Config.fromfile(
        osp.join(REPO, 'configs', 'mote', 'k400_tensorboard.py'))
    cfg = motion_train_cfg(
        2,
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=100)),
        visualizer=shipped.visualizer)
    Runner.from_cfg(cfg).train()
    events = glob.glob(osp.join(str(tmp_path), '*', 'vis_data',
                                'events.out.tfevents.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0])
    acc.Reload()
    tags = acc.Tags()['scalars']
    assert {'loss', 'loss_cls', 'loss_wmr', 'loss_mse'} <= set(tags)
    assert len(acc.Scalars('loss_cls')) == 2
