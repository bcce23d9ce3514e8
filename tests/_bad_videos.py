# Copyright (c) OpenMMLab. All rights reserved.
"""Real clips and deliberately broken video files for the reliability
tests (``from _bad_videos import write_bad_video_set``)."""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List

import cv2
import numpy as np

CLASSES = ['moving left', 'moving right', 'growing']

#: broken entries of ``mixed.txt`` (relative paths) -> reason category
BROKEN = {
    'videos/missing.mp4': 'missing file',
    'videos/empty.mp4': 'empty file',
    'videos/truncated.mp4': 'cannot open',
    'videos/not_a_video.mp4': 'cannot open',
}


def write_clip(path: str,
               label: int,
               num_frames: int = 16,
               size: int = 32) -> None:
    """A ``size``x``size`` mp4 (``mp4v``) of ``num_frames`` frames: a
    square moving left or right, or growing, by ``label``."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 8,
                             (size, size))
    assert writer.isOpened(), 'OpenCV cannot write mp4v'
    for t in range(num_frames):
        frame = np.full((size, size, 3), 40, np.uint8)
        side = 6 + (t // 2 if label == 2 else 0)
        x = t if label == 0 else size - side - t if label == 1 else 4
        x = int(np.clip(x, 0, size - side))
        frame[8:8 + side, x:x + side] = (40 + 10 * t, 200, 255 - 10 * t)
        writer.write(frame)
    writer.release()


@dataclass
class BadVideoSet:
    """A folder of clips and lists that mix them with broken files.

    Args:
        root (str): Folder; list paths are relative to it.
        good (list[str]): ``path label`` lines of the readable clips.
        broken (list[str]): ``path label`` lines of the broken files.
        lists (dict[str, str]): ``good``, ``mixed`` (good then broken) and
            ``broken`` list files.
    """
    root: str
    good: List[str]
    broken: List[str]
    lists: Dict[str, str]

    def path(self, rel: str) -> str:
        return osp.join(self.root, rel)


def write_bad_video_set(root: str, per_class: int = 2) -> BadVideoSet:
    """``per_class`` readable clips for each of :data:`CLASSES` and the
    broken files of :data:`BROKEN`: a missing path, a zero-byte file, the
    first half of a real clip, and a text file named ``.mp4``."""
    good = []
    for label in range(len(CLASSES)):
        for i in range(per_class):
            rel = f'videos/c{label}_{i}.mp4'
            write_clip(osp.join(root, rel), label)
            good.append(f'{rel} {label}')
    videos = osp.join(root, 'videos')
    open(osp.join(videos, 'empty.mp4'), 'wb').close()
    with open(osp.join(root, good[0].split()[0]), 'rb') as f:
        data = f.read()
    with open(osp.join(videos, 'truncated.mp4'), 'wb') as f:
        f.write(data[:len(data) // 2])
    with open(osp.join(videos, 'not_a_video.mp4'), 'w') as f:
        f.write('hello, I am a text file\n')
    broken = [f'{rel} {i % len(CLASSES)}' for i, rel in enumerate(BROKEN)]
    lists = {}
    for name, lines in (('good', good), ('mixed', good + broken), ('broken',
                                                                   broken)):
        lists[name] = osp.join(root, f'{name}.txt')
        with open(lists[name], 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return BadVideoSet(root, good, broken, lists)
