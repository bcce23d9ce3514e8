# Copyright (c) OpenMMLab. All rights reserved.
"""HMDB51's official ``testTrainMulti_7030_splits``."""
import os
import os.path as osp
from typing import List, Tuple

from .video_list import Entry, read_lines


def hmdb51_split(split_dir: str,
                 split: int) -> Tuple[List[str], List[Entry], List[Entry]]:
    """Classes, train and test entries of one official HMDB51 split.

    Reads every ``<class>_test_split<k>.txt`` of ``testTrainMulti_7030_
    splits`` (lines ``video.avi 1|2|0``: 1 train, 2 test, 0 unused).
    Labels follow the class names sorted alphabetically.

    Args:
        split_dir (str): Directory of the official split files.
        split (int): 1, 2 or 3.

    Returns:
        tuple: ``(classes, train, test)``; entries are
        ``(class/video.avi, label)`` in file order, classes in label order.
    """
    if not osp.isdir(split_dir):
        raise FileNotFoundError(f'split directory not found: {split_dir}')
    suffix = f'_test_split{split}.txt'
    # Sort the class names, not the file names: `climb` < `climb_stairs`
    # while `climb_stairs_test_...` < `climb_test_...`.
    classes = sorted(f[:-len(suffix)] for f in os.listdir(split_dir)
                     if f.endswith(suffix))
    if not classes:
        raise FileNotFoundError(f'no *{suffix} files in {split_dir}')
    train, test = [], []
    for label, cls in enumerate(classes):
        fname = osp.join(split_dir, cls + suffix)
        for i, line in read_lines(fname):
            parts = line.split()
            if len(parts) != 2 or parts[1] not in ('0', '1', '2'):
                raise ValueError(f'{fname} line {i}: expected '
                                 f'`video.avi 0|1|2`, got {line!r}')
            entry = (f'{cls}/{parts[0]}', label)
            if parts[1] == '1':
                train.append(entry)
            elif parts[1] == '2':
                test.append(entry)
    return classes, train, test
