# Copyright (c) OpenMMLab. All rights reserved.
"""UCF101's official ``classInd.txt`` and ``train/testlist0k.txt``."""
from typing import Dict, List, Sequence

from ...vocabulary import normalize_class_name
from .video_list import Entry, read_lines

# The MoTE authors' UCF101 names (their lists/ucf101/ucf_labels.csv) are
# ours but for these classes: they kept "YoYo" in one word.
AUTHORS_UCF101_NAMES = {'YoYo': 'YoYo'}


def ucf101_authors_names(classes: Sequence[str]) -> List[str]:
    """The authors' strings for ``classInd.txt`` class names."""
    return [AUTHORS_UCF101_NAMES.get(c, normalize_class_name(c))
            for c in classes]


def ucf101_classes(class_ind: str) -> List[str]:
    """Class directory names in label order from ``classInd.txt``.

    Args:
        class_ind (str): The official file, lines ``1 ApplyEyeMakeup``
            (1-based ids).

    Returns:
        list[str]: Name of label 0, 1, ...
    """
    by_id: Dict[int, str] = {}
    for i, line in read_lines(class_ind):
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise ValueError(f'{class_ind} line {i}: expected `id Name`, '
                             f'got {line!r}')
        idx = int(parts[0])
        if idx in by_id:
            raise ValueError(f'{class_ind} line {i}: duplicate id {idx}')
        by_id[idx] = parts[1]
    if sorted(by_id) != list(range(1, len(by_id) + 1)):
        raise ValueError(f'{class_ind}: ids must be 1..{len(by_id)}')
    classes = [by_id[i] for i in range(1, len(by_id) + 1)]
    if len(set(classes)) != len(classes):
        raise ValueError(f'{class_ind}: duplicate class names')
    return classes


def ucf101_split(split_file: str, classes: Sequence[str]) -> List[Entry]:
    """Entries of an official ``trainlist0k.txt`` or ``testlist0k.txt``.

    The label of a video is the index of its class directory in
    ``classes``. Test lists have no label column; where a line has one (the
    train lists, 1-based), it must agree with the directory.

    Args:
        split_file (str): Lines ``Class/v_Class_g01_c01.avi [label]``.
        classes (Sequence[str]): From :func:`ucf101_classes`.

    Returns:
        list[tuple[str, int]]: ``(path, 0-based label)`` in file order.
    """
    index = {c: i for i, c in enumerate(classes)}
    entries = []
    for i, line in read_lines(split_file):
        parts = line.split()
        path = parts[0].replace('\\', '/')
        cls = path.split('/')[0]
        if len(parts) > 2 or '/' not in path:
            raise ValueError(f'{split_file} line {i}: expected '
                             f'`Class/video.avi [label]`, got {line!r}')
        if cls not in index:
            raise ValueError(f'{split_file} line {i}: unknown class {cls!r} '
                             '(not in classInd.txt)')
        if len(parts) == 2 and parts[1] != str(index[cls] + 1):
            raise ValueError(f'{split_file} line {i}: label {parts[1]} does '
                             f'not match class {cls!r} (id '
                             f'{index[cls] + 1} in classInd.txt)')
        entries.append((path, index[cls]))
    return entries
