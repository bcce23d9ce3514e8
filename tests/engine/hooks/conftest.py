# Copyright (c) OpenMMLab. All rights reserved.
"""Fixtures shared by the hook tests."""
import logging
from types import SimpleNamespace

import pytest
from _bad_videos import write_bad_video_set
from mmengine.logging import MMLogger
from torch import nn


@pytest.fixture(scope='session')
def vids(tmp_path_factory):
    """The bad-video set of ``_bad_videos`` (good clips, broken files and
    their lists); tests must not modify it."""
    return write_bad_video_set(str(tmp_path_factory.mktemp('bad_videos')))


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def stock_runner(tmp_path):
    """A runner-like object around a model without a MoTE head, and the
    messages its logger receives (``runner.messages``)."""
    logger = MMLogger.get_current_instance()
    records = _Records()
    logger.addHandler(records)
    runner = SimpleNamespace(
        model=nn.Sequential(nn.Linear(2, 2)), work_dir=str(tmp_path),
        logger=logger, message_hub=None, epoch=1, iter=1,
        messages=records.messages,
        val_dataloader=SimpleNamespace(dataset=SimpleNamespace(
            metainfo=dict(classes=('a', 'b')))))
    yield runner
    logger.removeHandler(records)
