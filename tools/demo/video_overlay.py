# Copyright (c) OpenMMLab. All rights reserved.
"""Labels drawn on video frames, and the labelled video written to disk.

Shared by ``demo_video.py --out-filename`` (top-k for the whole clip) and
``long_video_demo.py`` (the labels of the window each frame falls in), as
MMAction2's ``demo/demo.py --out-filename`` draws them: the text in the
top-left corner, one line per label.
"""
import os.path as osp
import sys
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mote_mmaction.compat.atomic_io import atomic_path  # noqa: E402
from mote_mmaction.engine.overlay import draw_lines  # noqa: E402,F401

#: FourCC per output extension (OpenCV's FFmpeg writer).
FOURCC = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mkv': 'mp4v'}


def color_bgr(name: str) -> Tuple[int, int, int]:
    """A colour name (``white``, ``green``, ...) or ``#rrggbb`` as BGR.

    Raises:
        ValueError: Unknown colour (lists the names).
    """
    names = dict(white=(255, 255, 255), black=(0, 0, 0), red=(0, 0, 255),
                 green=(0, 255, 0), blue=(255, 0, 0), yellow=(0, 255, 255))
    if name.startswith('#') and len(name) == 7:
        r, g, b = (int(name[i:i + 2], 16) for i in (1, 3, 5))
        return b, g, r
    if name not in names:
        raise ValueError(f'unknown colour {name!r}: use one of '
                         f'{", ".join(names)} or #rrggbb')
    return names[name]


def format_lines(ranked: Sequence[Tuple[str, float]]) -> List[str]:
    """``['label: 0.93', ...]`` of ranked ``(label, score)`` pairs."""
    return [f'{name}: {score:.2f}' for name, score in ranked]


def read_frames(video: str) -> Tuple[Iterator[np.ndarray], float, int]:
    """``(frames, fps, count)`` of ``video``: the frames are ``[H, W, 3]``
    uint8 RGB, decoded lazily one at a time (decord: any container the
    data pipelines read)."""
    import decord
    reader = decord.VideoReader(video, num_threads=1)
    fps = float(reader.get_avg_fps()) or 25.0

    def frames() -> Iterator[np.ndarray]:
        for i in range(len(reader)):
            yield reader[i].asnumpy()

    return frames(), fps, len(reader)


def check_out_path(path: str) -> str:
    """The extension of an output video path, checked.

    Raises:
        ValueError: Not one :func:`write_video` writes (names them).
    """
    ext = osp.splitext(path)[1].lower()
    if ext not in FOURCC:
        raise ValueError(f'{path}: cannot write {ext or "no extension"!r}; '
                         f'use one of {", ".join(FOURCC)}')
    return ext


def write_video(frames: Iterable[np.ndarray], path: str, fps: float) -> int:
    """Write RGB ``[H, W, 3]`` frames to ``path`` (``.mp4``, ``.avi`` or
    ``.mkv``), atomically: a failed write leaves no partial file.

    Returns:
        int: Frames written.

    Raises:
        ValueError: Unsupported extension (names the supported ones).
        RuntimeError: OpenCV cannot open a writer (its FFmpeg lacks the
            codec).
    """
    ext = check_out_path(path)
    writer, count = None, 0
    with atomic_path(path, suffix=ext) as tmp:
        try:
            for frame in frames:
                if writer is None:
                    h, w = frame.shape[:2]
                    writer = cv2.VideoWriter(
                        tmp, cv2.VideoWriter_fourcc(*FOURCC[ext]), fps,
                        (w, h))
                    if not writer.isOpened():
                        raise RuntimeError(
                            f'OpenCV cannot write {ext} ({FOURCC[ext]}) '
                            'here; try another extension, e.g. .avi')
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
                count += 1
            if writer is None:
                raise ValueError(f'{path}: no frames to write')
        finally:
            if writer is not None:
                writer.release()
    return count


def resize_to(frame: np.ndarray,
              target: Optional[Tuple[int, int]]) -> np.ndarray:
    """``frame`` resized to ``target`` ``(w, h)``; ``-1`` in one side keeps
    the aspect ratio (MMAction2's ``--target-resolution``)."""
    if not target:
        return frame
    w, h = target
    fh, fw = frame.shape[:2]
    if w == -1:
        w = max(1, round(fw * h / fh))
    if h == -1:
        h = max(1, round(fh * w / fw))
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
