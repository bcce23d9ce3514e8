# Copyright (c) OpenMMLab. All rights reserved.
"""A small h264 clip whose frames all differ (GPU decoding, frame-exact
decoding tests)."""
import numpy as np


def write_pan_h264(path: str, num_frames: int = 48, size=(96, 72),
                   keyint: int = 8) -> None:
    """``size`` (w, h) h264 clip, keyframe every ``keyint`` frames, with
    B-frames: a smooth texture panning 2 px per frame plus a stripe that
    moves down, so frames, crops and flips are all distinguishable."""
    import av
    w, h = size
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (h // 4 + 2, (w + 2 * num_frames) // 4 + 2,
                                   3)).astype(np.float32)
    tex = np.kron(coarse, np.ones((4, 4, 1), np.float32))[:h]
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
        stream.options = dict(
            g=str(keyint), keyint_min=str(keyint), bf='2', crf='18',
            preset='ultrafast')
        for t in range(num_frames):
            img = tex[:, 2 * t:2 * t + w].copy()
            img[(t * 3) % h] = 255
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(img.clip(0, 255).astype(np.uint8)),
                format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
