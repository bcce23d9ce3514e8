# Copyright (c) OpenMMLab. All rights reserved.
"""All-way K-shot subsets of a training list (few-shot and base-to-novel
protocols)."""
import random
from typing import Dict, List, Sequence

from .video_list import Entry


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
        ValueError: A class with fewer than ``shots`` videos, or a video
            listed twice (it could be drawn twice, or count twice).
    """
    if shots < 1:
        raise ValueError(f'shots must be >= 1, got {shots}')
    seen = set()
    for video, _ in entries:
        if video in seen:
            raise ValueError(f'{source}: {video} is listed more than once; '
                             'a K-shot set needs distinct videos')
        seen.add(video)
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
