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


def test_docs_tensorboard_recipe_is_the_shipped_one(tmp_path):
    """docs/protocols.md's TensorBoard config, written next to k400.py,
    gives the visualizer the test above trains with (a --cfg-options
    one-liner cannot: DictAction reads `[dict(...)]` as strings)."""
    import re
    import shutil
    doc = open(osp.join(REPO, 'docs', 'protocols.md')).read()
    snippet, = re.findall(r'<!-- tensorboard-config -->\n```python\n(.*?)```',
                          doc, re.S)
    assert "vis_backends=\"[dict(" not in doc
    shutil.copytree(osp.join(REPO, 'configs'), str(tmp_path / 'configs'))
    mine = tmp_path / 'configs' / 'mote' / 'my_tensorboard.py'
    mine.write_text(snippet)
    cfg = Config.fromfile(str(mine))
    shipped = Config.fromfile(
        osp.join(REPO, 'configs', 'mote', 'k400_tensorboard.py'))
    assert cfg.visualizer.vis_backends == shipped.visualizer.vis_backends
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']
    assert cfg.model == shipped.model
