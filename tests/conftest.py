# Copyright (c) OpenMMLab. All rights reserved.
"""Session-wide setup and shared fixtures.

``motion_dataset`` and ``video_file`` write small real videos once per test
session (under pytest's temporary folder); tests must not modify them.
"""
import gc
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import pytest

import mote_mmaction  # noqa: F401  (compat patches before mmaction.models)
from mmaction.utils import register_all_modules

from mote_mmaction.testing.synthetic_videos import (generate_motion_dataset,
                                                    write_motion_clip)

register_all_modules(init_default_scope=True)

# Every MMEngine dataset runs gc.collect() when it serialises its list; with
# torch and MMAction2 imported that walks ~400k objects (0.2-0.4 s per
# dataset, and the suite builds many). Freezing the import-time heap keeps
# those long-lived objects out of every collection.
gc.freeze()

# two time-reversal pairs: only the order of the frames separates them
MOTION_DATASET_CLASSES = ('moving left', 'moving right', 'growing',
                          'shrinking')


@dataclass(frozen=True)
class MotionDataset:
    """A generated motion dataset (see ``generate_motion_dataset``).

    Args:
        root (str): Dataset folder; annotation paths are relative to it.
        train_ann (str): ``train`` annotation file (3 clips per class).
        val_ann (str): ``val`` annotation file (3 clips per class).
        class_file (str): Class names, line i = label i.
        classes (list[str]): The class names, label order.
        num_frames (int): Frames per clip.
        size (tuple[int, int]): ``(width, height)`` of the clips.
        videos_per_class (int): Clips per class in each split.
        data_prefix (dict): ``dict(video=root)``, as datasets take it.
    """
    root: str
    train_ann: str
    val_ann: str
    class_file: str
    classes: List[str]
    num_frames: int = 16
    size: Tuple[int, int] = (64, 64)
    videos_per_class: int = 3
    data_prefix: Dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope='session')
def motion_dataset(tmp_path_factory) -> MotionDataset:
    """4 motion classes x 3 clips (16 frames, 64x64) for ``train`` (seed 0)
    and ``val`` (seed 1); use ``data_prefix`` as the dataset's."""
    root = str(tmp_path_factory.mktemp('motion_dataset'))
    classes = list(MOTION_DATASET_CLASSES)
    train_ann, class_file = generate_motion_dataset(
        root, classes, 3, 'train', seed=0)
    val_ann, _ = generate_motion_dataset(root, classes, 3, 'val', seed=1)
    return MotionDataset(
        root=root,
        train_ann=train_ann,
        val_ann=val_ann,
        class_file=class_file,
        classes=classes,
        data_prefix=dict(video=root))


@pytest.fixture(scope='session')
def vids(tmp_path_factory):
    """The bad-video set of ``tests/_bad_videos.py`` (good clips, broken
    files and their lists), written once; tests must not modify it."""
    from _bad_videos import write_bad_video_set
    return write_bad_video_set(str(tmp_path_factory.mktemp('bad_videos')))


@pytest.fixture(scope='session')
def video_file(tmp_path_factory) -> str:
    """One ``moving left`` mp4 clip (16 frames, 64x64, 8 fps, seed 0)."""
    path = str(tmp_path_factory.mktemp('video_file') / 'moving_left.mp4')
    write_motion_clip(
        path, 'moving left', num_frames=16, size=(64, 64), fps=8, seed=0)
    return path


def _motion_cfg(ds, work_dir: str, classes, split: str, **extra):
    """A run on one split of the motion dataset (batches of 4, no
    workers): ``train`` shuffles and augments; ``val`` is the test split."""
    from mmengine.config import Config

    from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
    test = split == 'val'
    loader = dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=not test),
        dataset=dict(type='MoTEVideoDataset',
                     ann_file=ds.val_ann if test else ds.train_ann,
                     data_prefix=ds.data_prefix, class_names=ds.class_file,
                     test_mode=test,
                     pipeline=tiny_video_pipeline(test_mode=test)))
    cfg = dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(classes or ds.classes, num_layers=1),
        work_dir=work_dir, log_level='WARNING')
    cfg['test_dataloader' if test else 'train_dataloader'] = loader
    cfg.update(extra)
    return Config(cfg)


@pytest.fixture
def motion_train_cfg(motion_dataset, tmp_path):
    """Factory of a short training run on ``motion_dataset``: a 1-layer
    tiny MoTE model, ``max_iters`` iterations in ``tmp_path``; keyword
    arguments are added to (or replace) the config's top-level keys."""

    def make(max_iters: int, lr: float = 1e-3, **extra):
        keys = dict(
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=lr)))
        keys.update(extra)
        return _motion_cfg(motion_dataset, str(tmp_path), None, 'train',
                           **keys)

    return make


@pytest.fixture
def motion_test_cfg(motion_dataset, tmp_path):
    """Factory of a test run over ``motion_dataset``'s val split (12 clips,
    batches of 4, ``AccMetric``) with a 1-layer tiny MoTE model trained on
    ``classes`` (default: the dataset's 4); keyword arguments are added to
    (or replace) the config's top-level keys."""

    def make(classes=None, **extra):
        keys = dict(test_evaluator=dict(type='AccMetric'),
                    test_cfg=dict(type='TestLoop'))
        keys.update(extra)
        return _motion_cfg(motion_dataset, str(tmp_path), classes, 'val',
                           **keys)

    return make


@pytest.fixture
def log_messages():
    """The messages MMEngine's current logger receives during the test."""
    import logging

    from mmengine.logging import MMLogger

    class Records(logging.Handler):

        def __init__(self):
            super().__init__()
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    logger, records = MMLogger.get_current_instance(), Records()
    logger.addHandler(records)
    yield records.messages
    logger.removeHandler(records)
