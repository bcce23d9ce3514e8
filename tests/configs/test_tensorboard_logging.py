# Copyright (c) OpenMMLab. All rights reserved.
"""configs/mote/k400_tensorboard.py's visualizer: a MoTE run logs its
losses to TensorBoard event files as well as to scalars.json."""
import glob
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner
from tensorboard.backend.event_processing.event_accumulator import \
    EventAccumulator

from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_losses_reach_tensorboard(motion_dataset, tmp_path):
    ds = motion_dataset
    shipped = Config.fromfile(
        osp.join(REPO, 'configs', 'mote', 'k400_tensorboard.py'))
    cfg = Config(dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(ds.classes, num_layers=1),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='MoTEVideoDataset', ann_file=ds.train_ann,
                         data_prefix=ds.data_prefix,
                         class_names=ds.class_file,
                         pipeline=tiny_video_pipeline(test_mode=False))),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=100)),
        visualizer=shipped.visualizer,
        log_level='WARNING'))
    Runner.from_cfg(cfg).train()
    events = glob.glob(osp.join(str(tmp_path), '*', 'vis_data',
                                'events.out.tfevents.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0])
    acc.Reload()
    tags = acc.Tags()['scalars']
    assert {'loss', 'loss_cls', 'loss_wmr', 'loss_mse'} <= set(tags)
    assert len(acc.Scalars('loss_cls')) == 2
