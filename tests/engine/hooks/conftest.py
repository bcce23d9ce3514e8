# Copyright (c) OpenMMLab. All rights reserved.
"""Fixtures shared by the hook tests."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MMLogger
from torch import nn


@pytest.fixture
def stock_runner(tmp_path, log_messages):
    """A runner-like object around a model without a MoTE head, and the
    messages its logger receives (``runner.messages``)."""
    return SimpleNamespace(
        model=nn.Sequential(nn.Linear(2, 2)), work_dir=str(tmp_path),
        logger=MMLogger.get_current_instance(), message_hub=None, epoch=1,
        iter=1, messages=log_messages,
        val_dataloader=SimpleNamespace(dataset=SimpleNamespace(
            metainfo=dict(classes=('a', 'b')))))
