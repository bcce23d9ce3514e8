# Copyright (c) OpenMMLab. All rights reserved.
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ._utils import (dataset_classes, dataset_vocabulary, has_vocabulary,
                     set_vocabulary)


@HOOKS.register_module()
class MoTEVocabularyHook(Hook):
    """Score val/test data against the class names of its own dataset.

    Before validation/testing, the model's vocabulary is set from the
    dataloader's ``dataset.metainfo['classes']`` (see
    :class:`MoTEVideoDataset`); afterwards the training vocabulary is
    restored. A dataset without class names leaves the model unchanged. A
    model without a MoTE head (no ``set_vocabulary``) is left unchanged
    with one warning.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self._warned = False

    def _apply(self, runner, loader) -> None:
        classes = dataset_classes(loader.dataset)
        if classes is None:
            return
        if not has_vocabulary(runner.model):
            if not self._warned:
                self._warned = True
                runner.logger.warning(
                    'MoTEVocabularyHook is skipped: the model has no MoTE '
                    'head (no set_vocabulary); it scores its own '
                    'num_classes outputs.')
            return
        set_vocabulary(runner.model, dataset_vocabulary(loader.dataset))

    def before_val(self, runner) -> None:
        self._apply(runner, runner.val_dataloader)

    def after_val(self, runner) -> None:
        set_vocabulary(runner.model, None)

    def before_test(self, runner) -> None:
        self._apply(runner, runner.test_dataloader)

    def after_test(self, runner) -> None:
        set_vocabulary(runner.model, None)
