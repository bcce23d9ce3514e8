# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEClassCheckHook``: classes that do not fit the model stop before
the first step, naming the list and the config key."""
from types import SimpleNamespace

import pytest
from _bad_video_runner import runner_cfg
from _bad_videos import CLASSES
from mmaction.registry import DATASETS, MODELS
from mmengine.runner import Runner

from mote_mmaction.engine.hooks.class_check_hook import MoTEClassCheckHook
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def test_training_classes_must_be_the_model_vocabulary(vids, tmp_path):
    cfg = runner_cfg(
        vids, str(tmp_path / 'cls'), train='good', train_workers=0)
    cfg.train_dataloader.dataset.class_names = CLASSES + ['extra']
    with pytest.raises(ValueError) as info:
        Runner.from_cfg(cfg).train()
    msg = str(info.value)
    assert 'good.txt' in msg and 'has 4 classes but the model' in msg
    assert 'model.cls_head.class_names' in msg
    cfg.train_dataloader.dataset.class_names = CLASSES[::-1]
    with pytest.raises(
            ValueError,
            match="name label 0 differently \\('growing' vs "
            "'moving left'; 2 labels differ"):
        Runner.from_cfg(cfg).train()


def test_labels_without_class_names_must_fit_num_classes(vids, tmp_path):
    ann = tmp_path / 'four.txt'
    ann.write_text('videos/c0_0.mp4 0\nvideos/c0_1.mp4 3\n')
    ds = DATASETS.build(
        dict(
            type='MoTEVideoDataset',
            ann_file=str(ann),
            data_prefix=dict(video=vids.root),
            pipeline=tiny_video_pipeline(),
            test_mode=True))
    runner = SimpleNamespace(
        model=MODELS.build(tiny_mote_model_cfg(CLASSES)),
        test_dataloader=SimpleNamespace(dataset=ds))
    with pytest.raises(
            ValueError,
            match=r'test dataset .*four.txt has label 3 but the '
            r'model has model.cls_head.num_classes=3'):
        MoTEClassCheckHook().before_test(runner)
