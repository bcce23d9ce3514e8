# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.toolkit.benchmarking.clips: the generated benchmark videos."""
import av
import cv2
import numpy as np
import pytest

from mote_mmaction.toolkit.benchmarking import clips

BOX_RGB = np.array([240, 200, 40])


def _frames(path, codec):
    """Decoded RGB frames, by the library that did not write them."""
    if codec == 'mp4v':
        cap, out = cv2.VideoCapture(path), []
        ok, img = cap.read()
        while ok:
            out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            ok, img = cap.read()
        cap.release()
        return out
    with av.open(path) as container:
        return [f.to_ndarray(format='rgb24')
                for f in container.decode(video=0)]


@pytest.mark.parametrize('codec', ['mp4v', 'h264'])
def test_write_clip_moves_a_box_across(tmp_path, codec):
    """``seconds * fps`` frames of the asked size; the box (RGB 240, 200,
    40, a fifth of the width) sits at 20 % of the width in the first frame
    and at 80 % in the last."""
    path = str(tmp_path / f'clip_{codec}.mp4')
    w, h = 64, 48
    clips.write_clip(path, (w, h), seconds=0.5, fps=8, codec=codec, seed=0)
    frames = _frames(path, codec)
    assert len(frames) == 4
    assert frames[0].shape == (h, w, 3)
    for img, cx in ((frames[0], int(0.2 * w)), (frames[-1], int(0.8 * w))):
        inside = img[h // 3 + 3:2 * h // 3 - 3, cx - 3:cx + 4].reshape(-1, 3)
        assert np.abs(inside.mean(0) - BOX_RGB).max() < 30, (cx, inside)
    # the box has left its first place by the last frame
    first_place = frames[-1][h // 3 + 3:2 * h // 3 - 3,
                             int(0.2 * w) - 3:int(0.2 * w) + 4]
    assert np.abs(first_place.reshape(-1, 3).mean(0) - BOX_RGB).max() > 30


def test_keyint_sets_the_keyframe_interval(tmp_path):
    """A keyframe every ``keyint`` frames and none between (Kinetics-like
    GOPs, which the decoder comparison depends on)."""
    path = str(tmp_path / 'g4.mp4')
    clips.write_clip(path, (64, 48), seconds=1.2, fps=10, codec='h264',
                     seed=0, keyint=4)
    with av.open(path) as container:
        keys = [f.key_frame for f in container.decode(video=0)]
    assert len(keys) == 12
    assert [i for i, k in enumerate(keys) if k] == [0, 4, 8]
    with pytest.raises(ValueError, match="keyint is for h264 clips"):
        clips.write_clip(str(tmp_path / 'x.mp4'), (64, 48), 0.2, 10, 'mp4v',
                         0, keyint=4)
