# Copyright (c) OpenMMLab. All rights reserved.
import math

from mmaction.registry import DATASETS
from mmengine.dataset import RepeatDataset, force_full_init


@DATASETS.register_module()
class MoTERepeatToLength(RepeatDataset):
    """Repeat a small dataset to a fixed number of samples per epoch.

    The few-shot protocol of MoTE (paper Sec. 4.4) repeats the K-shot set
    to the size of the full training set, so an epoch has as many steps
    as full training. ``RepeatDataset`` takes a repeat count, which would
    change with K and the number of classes; this takes the target length.
    Sample ``i`` is sample ``i % len(dataset)`` of the wrapped dataset, so
    with a shuffling sampler every K-shot video is seen
    ``length // len(dataset)`` or one more times per epoch.

    Args:
        dataset (dict | BaseDataset): The dataset (or its config).
        length (int): Samples per epoch; the dataset's own length if that is
            larger.
        lazy_init (bool): Defer loading the annotations. Defaults to False.
    """

    def __init__(self, dataset, length: int, lazy_init: bool = False) -> None:
        if int(length) < 1:
            raise ValueError(f'length must be >= 1, got {length}')
        self.length = int(length)
        super().__init__(dataset, times=1, lazy_init=lazy_init)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        if self._ori_len == 0:
            raise ValueError(f'MoTERepeatToLength: the wrapped dataset '
                             f'{type(self.dataset).__name__} is empty')
        self.times = max(1, math.ceil(self.length / self._ori_len))

    @force_full_init
    def __len__(self) -> int:
        return max(self.length, self._ori_len)
