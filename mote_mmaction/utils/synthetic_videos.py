# Copyright (c) OpenMMLab. All rights reserved.
"""Small real videos whose classes are defined by motion.

A textured shape on a noisy background moves, scales or rotates; every
class uses the same appearance distribution and only the *order* of frames
tells the classes apart, so a single frame cannot reveal the class and
temporal modelling matters.
"""
import argparse
import math
import os
import os.path as osp
from typing import Sequence, Tuple

import cv2
import numpy as np

MOTION_CLASSES: Tuple[str, ...] = (
    'moving left', 'moving right', 'moving up', 'moving down', 'growing',
    'shrinking', 'rotating clockwise', 'rotating counterclockwise')


_FOURCC = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mkv': 'XVID', '.webm': 'VP80'}


def _trajectory(motion: str, t: float, rng_params: dict):
    """Centre offset (dx, dy), scale and angle at time ``t`` in [0, 1]."""
    amp = rng_params['amp']
    s = t - 0.5
    dx = dy = 0.0
    scale, angle = 1.0, 0.0
    if motion == 'moving left':
        dx = -amp * s
    elif motion == 'moving right':
        dx = amp * s
    elif motion == 'moving up':
        dy = -amp * s
    elif motion == 'moving down':
        dy = amp * s
    elif motion == 'growing':
        scale = 1.0 + 0.9 * s
    elif motion == 'shrinking':
        scale = 1.0 - 0.9 * s
    elif motion == 'rotating clockwise':
        angle = 150.0 * s
    elif motion == 'rotating counterclockwise':
        angle = -150.0 * s
    else:
        raise KeyError(f'unknown motion {motion!r}; known: {MOTION_CLASSES}')
    return dx, dy, scale, angle


def render_motion_frames(motion: str,
                         num_frames: int = 16,
                         size: Tuple[int, int] = (64, 64),
                         seed: int = 0) -> np.ndarray:
    """Frames ``[T, H, W, 3]`` uint8 (RGB) of one clip."""
    rng = np.random.default_rng(seed)
    w, h = size
    bg = rng.integers(0, 120, 3)
    colour = rng.integers(130, 256, 3)
    base = rng.uniform(0.18, 0.28) * min(w, h)
    cx = w / 2 + rng.uniform(-0.1, 0.1) * w
    cy = h / 2 + rng.uniform(-0.1, 0.1) * h
    params = dict(amp=0.45 * min(w, h))
    frames = []
    for i in range(num_frames):
        t = i / max(num_frames - 1, 1)
        dx, dy, scale, angle = _trajectory(motion, t, params)
        img = np.empty((h, w, 3), np.uint8)
        img[:] = bg
        noise = rng.integers(0, 25, (h, w, 1), dtype=np.uint8)
        img = cv2.add(img, np.repeat(noise, 3, axis=2))
        half = base * scale
        # a rectangle with a marker corner makes rotation visible
        box = cv2.boxPoints(((cx + dx, cy + dy), (2 * half, 1.3 * half),
                             angle)).astype(np.int32)
        cv2.fillConvexPoly(img, box, colour.tolist())
        cv2.circle(img, tuple(int(v) for v in box[0]),
                   max(int(half / 3), 2), (255, 255, 255), -1)
        frames.append(img)
    return np.stack(frames)


def write_motion_clip(path: str,
                      motion: str,
                      num_frames: int = 16,
                      size: Tuple[int, int] = (64, 64),
                      fps: int = 8,
                      seed: int = 0) -> None:
    """Write one clip readable by decord; the container follows the
    extension (``.mp4``, ``.avi``, ``.mkv``, ``.webm``)."""
    frames = render_motion_frames(motion, num_frames, size, seed)
    ext = osp.splitext(path)[1].lower()
    if ext not in _FOURCC:
        raise ValueError(f'{path}: unsupported extension; use one of '
                         f'{sorted(_FOURCC)}')
    fourcc = _FOURCC[ext]
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             size)
    if not writer.isOpened():
        raise IOError(f'cannot open a video writer for {path}')
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def generate_motion_dataset(root: str,
                            classes: Sequence[str],
                            videos_per_class: int,
                            split_name: str,
                            seed: int = 0,
                            num_frames: int = 16,
                            size: Tuple[int, int] = (64, 64)
                            ) -> Tuple[str, str]:
    """Write ``root/videos/<split>/*.mp4``, ``root/<split>.txt`` (an
    MMAction2 video list, paths relative to ``root``) and
    ``root/<split>_classes.txt`` (line i = class i).

    Returns:
        tuple[str, str]: The ann file and the class-name file.
    """
    lines = []
    for label, motion in enumerate(classes):
        for i in range(videos_per_class):
            rel = osp.join('videos', split_name,
                           f'{motion.replace(" ", "_")}_{i}.mp4')
            clip_seed = (seed * 1000003 + label * 1009 + i) % (2**32)
            write_motion_clip(osp.join(root, rel), motion, num_frames, size,
                              seed=clip_seed)
            lines.append(f'{rel} {label}')
    ann = osp.join(root, f'{split_name}.txt')
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    names = osp.join(root, f'{split_name}_classes.txt')
    with open(names, 'w') as f:
        f.write('\n'.join(classes) + '\n')
    return ann, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    parser.add_argument('--classes', nargs='+', default=list(MOTION_CLASSES))
    parser.add_argument('--videos-per-class', type=int, default=8)
    parser.add_argument('--split', default='train')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    ann, names = generate_motion_dataset(args.out_dir, args.classes,
                                         args.videos_per_class, args.split,
                                         args.seed)
    print(f'wrote {ann} and {names}')


if __name__ == '__main__':
    main()
