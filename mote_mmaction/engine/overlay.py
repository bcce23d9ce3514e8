# Copyright (c) OpenMMLab. All rights reserved.
"""Text drawn on video frames: ``MoTEVisualizationHook`` (``tools/test.py
--show-dir``) and the demos under ``tools/demo``."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def draw_lines(frame: np.ndarray, lines: Sequence[str],
               font_scale: Optional[float] = None,
               color: Tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Draw ``lines`` in the top-left corner of a copy of ``frame``.

    Args:
        frame: ``[H, W, 3]`` uint8 frame (BGR or RGB: ``color`` is in the
            same order).
        lines: Text, one line each, top to bottom.
        font_scale: OpenCV font scale; default: from the frame height, so
            the text stays readable on small and large videos.
        color: Text colour, in the frame's channel order.

    Returns:
        np.ndarray: ``[H, W, 3]`` uint8 frame with a dark box behind the
        text (readable on any background).
    """
    out = frame.copy()
    if not lines:
        return out
    h = frame.shape[0]
    scale = font_scale or max(0.3, h / 480)
    thickness = max(1, int(round(scale * 1.5)))
    font = cv2.FONT_HERSHEY_DUPLEX
    sizes = [cv2.getTextSize(t, font, scale, thickness)[0] for t in lines]
    line_h = max(s[1] for s in sizes) + max(4, int(8 * scale))
    box_w = max(s[0] for s in sizes) + int(12 * scale) + 4
    box_h = line_h * len(lines) + int(8 * scale)
    region = out[:box_h, :box_w]
    # darken behind the text: half the frame, half black
    region[:] = (region.astype(np.uint16) // 2).astype(np.uint8)
    for i, text in enumerate(lines):
        y = line_h * (i + 1)
        cv2.putText(out, text, (int(6 * scale) + 2, y), font, scale, color,
                    thickness, cv2.LINE_AA)
    return out
