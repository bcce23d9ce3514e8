# Copyright (c) OpenMMLab. All rights reserved.
from typing import Callable, List, Optional, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from ..utils.class_names import describe_class_names, load_class_names


def _fill_split(value, split):
    """Format ``{split}`` in a string (or a dict of strings)."""
    if split is None:
        return value
    if isinstance(value, str):
        return value.format(split=split)
    if isinstance(value, dict):
        return {k: _fill_split(v, split) for k, v in value.items()}
    return value


@DATASETS.register_module()
class MoTEVideoDataset(VideoDataset):
    """``VideoDataset`` that knows its class names and its split.

    The class names become ``metainfo['classes']``, which
    :class:`MoTEVocabularyHook` hands to the model, so a dataset brings its
    own vocabulary (zero-shot). ``{split}`` in ``ann_file``,
    ``data_prefix`` and ``class_names`` is filled from ``split``, so one
    config variable (``--cfg-options test_dataloader.dataset.split=2``)
    selects a split. Labels are checked against the class count.

    Args:
        ann_file (str): Video list, ``path label`` per line.
        pipeline (list): Transforms.
        class_names (str | list[str], optional): Class-name file or list
            (see :func:`mote_mmaction.utils.load_class_names`).
        split (int | str, optional): Fills ``{split}`` placeholders.
        **kwargs: Other ``VideoDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 class_names: Optional[Union[str, List[str]]] = None,
                 split: Optional[Union[int, str]] = None,
                 data_prefix: dict = dict(video=''),
                 **kwargs) -> None:
        self.split = split
        class_names = _fill_split(class_names, split)
        self.class_names_source = class_names
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if class_names is not None:
            metainfo['classes'] = tuple(load_class_names(class_names))
        self.classes_source = describe_class_names(class_names) \
            if class_names is not None else ''
        super().__init__(
            _fill_split(ann_file, split),
            pipeline=pipeline,
            data_prefix=_fill_split(data_prefix, split),
            metainfo=metainfo,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the list and check every label against the class count."""
        data_list = super().load_data_list()
        classes = self._metainfo.get('classes')
        num = len(classes) if classes else self.num_classes
        if num and not self.multi_class:
            for i, info in enumerate(data_list):
                label = info['label']
                if label != -1 and not 0 <= label < num:
                    raise ValueError(
                        f'{self.ann_file} line {i + 1}: label {label} is out '
                        f'of range for {num} classes '
                        f'({self.classes_source}).')
        return data_list

    @property
    def classes(self) -> Optional[tuple]:
        """Class names, or ``None`` when not given."""
        return self._metainfo.get('classes')
