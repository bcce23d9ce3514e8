# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional, Sequence

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ._utils import dataset_classes, unwrap


def _head(model):
    return getattr(unwrap(model), 'cls_head', None)


def _describe(dataset) -> str:
    source = getattr(dataset, 'classes_source', '') or ''
    ann = getattr(dataset, 'ann_file', '') or ''
    return f'{ann} ({source})' if source else str(ann)


def _max_label(dataset) -> Optional[int]:
    """Largest single label of a dataset (``None`` for none/multi-label)."""
    top = None
    for i in range(len(dataset)):
        label = dataset.get_data_info(i).get('label')
        if isinstance(label, int) and (top is None or label > top):
            top = label
    return top


@HOOKS.register_module()
class MoTEClassCheckHook(Hook):
    """Stop before the first step when the data's classes do not fit the
    model's, with one message naming both sides.

    * Training: the training dataset's class names (``class_names`` of
      :class:`MoTEVideoDataset`) must be the model's training vocabulary
      (``cls_head.class_names``), same names in the same order, since a
      label indexes both. A dataset without class names must keep its
      labels below ``cls_head.num_classes``.
    * Val/test: a dataset without class names is scored against the
      training vocabulary, so its labels must be below
      ``cls_head.num_classes``. (Datasets with class names bring their own
      vocabulary, see :class:`MoTEVocabularyHook`, and their labels are
      checked against it when the list is read.)
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked = set()

    def _check_labels(self, dataset, head, mode: str) -> None:
        num = getattr(head, 'num_classes', None)
        if num is None or dataset_classes(dataset) is not None or \
                id(dataset) in self._checked:
            return
        self._checked.add(id(dataset))
        top = _max_label(dataset)
        if top is not None and top >= num:
            raise ValueError(
                f'{mode} dataset {_describe(dataset)} has label {top} but '
                f'the model has model.cls_head.num_classes={num}; give the '
                'dataset its class_names (its own vocabulary) or fix the '
                'labels.')

    def before_train(self, runner) -> None:
        head = _head(runner.model)
        dataset = getattr(runner.train_dataloader, 'dataset', None)
        if head is None or dataset is None:
            return
        data_names: Optional[Sequence[str]] = dataset_classes(dataset)
        model_names = getattr(head, 'class_names', None)
        if data_names is not None and model_names is not None:
            data_names, model_names = list(data_names), list(model_names)
            if len(data_names) != len(model_names):
                raise ValueError(
                    f'the training dataset {_describe(dataset)} has '
                    f'{len(data_names)} classes but the model '
                    '(model.cls_head.class_names / num_classes) has '
                    f'{len(model_names)}; use the same class-name file for '
                    'both.')
            diff = [
                i for i, (a, b) in enumerate(zip(data_names, model_names))
                if a != b
            ]
            if diff:
                i = diff[0]
                raise ValueError(
                    f'the training dataset {_describe(dataset)} and '
                    'model.cls_head.class_names name label '
                    f'{i} differently ({data_names[i]!r} vs '
                    f'{model_names[i]!r}; {len(diff)} labels differ); use '
                    'the same class-name file for both.')
            return
        self._check_labels(dataset, head, 'training')

    def before_val(self, runner) -> None:
        head = _head(runner.model)
        dataset = getattr(runner.val_dataloader, 'dataset', None)
        if head is not None and dataset is not None:
            self._check_labels(dataset, head, 'val')

    def before_test(self, runner) -> None:
        head = _head(runner.model)
        dataset = getattr(runner.test_dataloader, 'dataset', None)
        if head is not None and dataset is not None:
            self._check_labels(dataset, head, 'test')
