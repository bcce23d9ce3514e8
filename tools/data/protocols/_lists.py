# Copyright (c) OpenMMLab. All rights reserved.
"""Reading, sampling and writing ``VideoDataset`` lists for the few-shot
and base-to-novel protocols (standard library only, like ``tools/data``).
"""
import os
import os.path as osp
import random
import sys
from typing import Dict, List, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import _common  # noqa: E402

Entry = Tuple[str, int]


def read_list(path: str) -> List[Entry]:
    """Entries of a ``VideoDataset`` list (``path label`` per line).

    Args:
        path (str): The list, e.g. ``ucf101_train_split_1_videos.txt``.

    Returns:
        list[tuple[str, int]]: ``(relative path, label)`` in file order.

    Raises:
        ValueError: A line that is not ``path label`` (file and line named).
    """
    entries = []
    for i, line in _common.read_lines(path):
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2 or not parts[1].isdigit():
            raise ValueError(f'{path} line {i}: expected `path label` with '
                             f'an integer label, got {line!r}')
        entries.append((parts[0], int(parts[1])))
    if not entries:
        raise ValueError(f'{path}: no videos')
    return entries


def by_class(entries: Sequence[Entry]) -> Dict[int, List[Entry]]:
    """Entries grouped by label, each group in file order."""
    groups: Dict[int, List[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry[1], []).append(entry)
    return groups


def sample_k_shot(entries: Sequence[Entry], shots: int, seed: int,
                  labels: Sequence[int], source: str) -> List[Entry]:
    """All-way K-shot: ``shots`` distinct videos of every label in
    ``labels``, drawn with ``random.Random(seed)``.

    The draw of a class depends only on the seed, the class and its videos,
    so the K-shot set of one class does not change when another class is
    added or removed. The result keeps the list's order.

    Args:
        entries (Sequence[tuple[str, int]]): The full training list.
        shots (int): K, videos per class.
        seed (int): Seed of the draw.
        labels (Sequence[int]): The classes to draw (all of them for the
            all-way protocol).
        source (str): The list file, for errors.

    Returns:
        list[tuple[str, int]]: ``shots * len(labels)`` entries.

    Raises:
        ValueError: A class with fewer than ``shots`` videos.
    """
    if shots < 1:
        raise ValueError(f'shots must be >= 1, got {shots}')
    groups = by_class(entries)
    short = {c: len(groups.get(c, [])) for c in labels
             if len(groups.get(c, [])) < shots}
    if short:
        raise ValueError(f'{source}: {len(short)} class(es) have fewer than '
                         f'{shots} videos (label: count) '
                         f'{dict(list(short.items())[:10])}')
    chosen = set()
    for c in labels:
        rng = random.Random(f'{seed}/{c}')
        chosen.update(rng.sample(groups[c], shots))
    return [e for e in entries if e in chosen]


def write_list(path: str, entries: Sequence[Entry]) -> int:
    """Write a list atomically (a crash never leaves a partial list that a
    training run would read); returns the number of lines."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.writelines(f'{p} {label}\n' for p, label in entries)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(entries)


def write_names(path: str, names: Sequence[str]) -> None:
    """Write a class-name file (line i = label i) atomically."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.writelines(f'{n}\n' for n in names)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_names(path: str) -> List[str]:
    """Class names as written (txt or ``id,name`` csv)."""
    return _common.load_class_names(path, normalize=False)
