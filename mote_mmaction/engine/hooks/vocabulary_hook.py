# Copyright (c) OpenMMLab. All rights reserved.
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from ._utils import (dataset_classes, dataset_vocabulary,
                     dataset_vocabulary_file, has_vocabulary, set_vocabulary,
                     unwrap)


@HOOKS.register_module()
class MoTEVocabularyHook(Hook):
    """Train on the training dataset's class names and score val/test data
    against the class names of its own dataset, so a config names each
    class-name file once, on its dataset.

    Before training, a MoTE head built without ``class_names`` takes the
    training dataset's vocabulary (a head that has its own keeps it;
    ``MoTEClassCheckHook`` then checks that both agree). Before
    validation/testing, the model's vocabulary is set from the
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
        set_vocabulary(runner.model, dataset_vocabulary(loader.dataset),
                       dataset_vocabulary_file(loader.dataset))

    def before_run(self, runner) -> None:
        # only a run that trains has built its train loop by now
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return
        head = getattr(unwrap(runner.model), 'cls_head', None)
        dataset = runner.train_dataloader.dataset
        vocab = dataset_vocabulary(dataset)
        if vocab is None or not hasattr(head, 'set_training_vocabulary') \
                or head.class_names is not None:
            return
        head.set_training_vocabulary(list(vocab),
                                     dataset_vocabulary_file(dataset))

    def before_val(self, runner) -> None:
        self._apply(runner, runner.val_dataloader)

    def after_val(self, runner) -> None:
        set_vocabulary(runner.model, None)

    def before_test(self, runner) -> None:
        self._apply(runner, runner.test_dataloader)

    def after_test(self, runner) -> None:
        set_vocabulary(runner.model, None)
