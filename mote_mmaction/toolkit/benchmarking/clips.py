# Copyright (c) OpenMMLab. All rights reserved.
"""Generated benchmark videos: a panning texture with a moving box, at
the sizes, codecs and keyframe intervals the benchmarks ask for."""
from typing import Optional, Tuple

import cv2
import numpy as np


def _texture(rng, w: int, h: int, pad: int) -> np.ndarray:
    small = rng.integers(0, 256, ((h + pad) // 4 + 2, (w + pad) // 4 + 2,
                                  3), dtype=np.uint8)
    return cv2.resize(small, (w + pad, h + pad),
                      interpolation=cv2.INTER_CUBIC)


def write_clip(path: str,
               size: Tuple[int, int],
               seconds: float,
               fps: int,
               codec: str,
               seed: int,
               keyint: Optional[int] = None) -> None:
    """A panning texture with a moving box: real, compressible video.

    Args:
        path (str): Output ``.mp4``.
        size (tuple[int, int]): ``(width, height)``.
        seconds (float): Length; ``round(seconds * fps)`` frames (>= 1).
        fps (int): Frame rate.
        codec (str): ``'mp4v'`` (OpenCV) or ``'h264'`` (PyAV, libx264).
        seed (int): Seed of the texture and the noise.
        keyint (int, optional): h264 only: a keyframe every ``keyint``
            frames, as Kinetics files have (scene-cut keyframes off).
            Defaults to the encoder's choice.
    """
    w, h = size
    n = max(int(round(seconds * fps)), 1)
    pad = 64
    rng = np.random.default_rng(seed)
    tex = _texture(rng, w, h, pad)

    def frames():
        for i in range(n):
            ox = int(pad / 2 + pad / 2 * np.sin(2 * np.pi * i / n))
            oy = (i // 2) % pad
            img = tex[oy:oy + h, ox:ox + w].copy()
            # mild sensor noise: bitrates nearer real footage
            img = cv2.add(img, rng.integers(0, 6, (h, w, 3), np.uint8))
            cx = int((0.2 + 0.6 * i / max(n - 1, 1)) * w)
            cv2.rectangle(img, (cx - w // 10, h // 3),
                          (cx + w // 10, 2 * h // 3), (240, 200, 40), -1)
            yield img

    if keyint is not None and codec != 'h264':
        raise ValueError(f'keyint is for h264 clips, not {codec!r}')
    if codec == 'h264':
        import av  # optional (requirements/decoders.txt): h264 only
        with av.open(path, 'w') as container:
            stream = container.add_stream('libx264', rate=fps)
            stream.width, stream.height = w, h
            stream.pix_fmt = 'yuv420p'
            stream.options = dict(preset='veryfast', crf='23')
            if keyint is not None:
                stream.options.update(g=str(keyint), keyint_min=str(keyint),
                                      sc_threshold='0')
            for img in frames():
                frame = av.VideoFrame.from_ndarray(img, format='rgb24')
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        raise IOError(f'cannot write {path} with mp4v')
    for img in frames():
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
