# Copyright (c) OpenMMLab. All rights reserved.
"""Runner configs over the bad-video set of ``_bad_videos`` (tiny MoTE
model, the reliability hooks on) for the hook tests."""
import glob
import os.path as osp
import uuid

from _bad_videos import CLASSES
from mmaction.evaluation import AccMetric
from mmaction.registry import METRICS
from mmengine.config import Config

from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


@METRICS.register_module(force=True)
class CountingAccMetric(AccMetric):
    """``AccMetric`` that remembers how many samples it scored."""
    seen = []

    def compute_metrics(self, results):
        type(self).seen.append(len(results))
        return super().compute_metrics(results)


def dataset(vids, ann, test_mode, **kw):
    """A ``MoTEVideoDataset`` over list ``ann`` of ``vids``."""
    return dict(
        type='MoTEVideoDataset',
        ann_file=vids.lists[ann],
        data_prefix=dict(video=vids.root),
        class_names=CLASSES,
        pipeline=tiny_video_pipeline(),
        test_mode=test_mode,
        **kw)


def loader(ds, workers=0, shuffle=False):
    return dict(
        batch_size=2,
        num_workers=workers,
        persistent_workers=workers > 0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=ds)


def runner_cfg(vids,
               work_dir,
               train='mixed',
               val=None,
               test=None,
               skip=False,
               epochs=2,
               train_workers=2,
               val_workers=0):
    """Training on list ``train`` (and val/test on ``val``/``test``) with
    ``MoTEClassCheckHook``, ``MoTEBadVideoReportHook`` and
    ``MoTENaNGuardHook``; ``skip`` is the eval datasets'
    ``skip_bad_videos``."""
    cfg = dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(CLASSES),
        work_dir=work_dir,
        # runners built in the same second would share a logger
        experiment_name=f'{osp.basename(work_dir)}_{uuid.uuid4().hex}',
        train_dataloader=loader(
            dataset(vids, train, False), train_workers, shuffle=True),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        custom_hooks=[
            dict(type='MoTEClassCheckHook'),
            dict(type='MoTEBadVideoReportHook', interval=1),
            dict(type='MoTENaNGuardHook')
        ],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        randomness=dict(seed=0),
        log_level='INFO')
    if val is not None:
        cfg.update(
            val_dataloader=loader(
                dataset(vids, val, True, skip_bad_videos=skip, scan_workers=2),
                val_workers),
            val_evaluator=dict(type='CountingAccMetric'),
            val_cfg=dict(type='ValLoop'))
    if test is not None:
        cfg.update(
            test_dataloader=loader(
                dataset(
                    vids, test, True, skip_bad_videos=skip, scan_workers=2)),
            test_evaluator=dict(type='CountingAccMetric'),
            test_cfg=dict(type='TestLoop'))
    return Config(cfg)


def read_log(work_dir):
    """The one run log under ``work_dir``."""
    (path, ) = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(path) as f:
        return f.read()
