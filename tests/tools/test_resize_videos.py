# Copyright (c) OpenMMLab. All rights reserved.
"""``tools/data/resize_videos.py`` on tiny generated clips and broken
files: size, keyframe interval, frames, resumability, failure list, new
list, and that MMAction2's pipeline reads the outputs."""
import importlib.util
import os
import os.path as osp
import sys

import numpy as np
import pytest
from _bad_videos import write_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'data', 'resize_videos.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('resize_videos', TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules['resize_videos'] = module  # the pool pickles its job
    spec.loader.exec_module(module)
    return module


def write_wide_h264(path):
    """A 192x96 h264 clip of 300 frames with one keyframe and B-frames (a
    panning texture, as the data benchmark writes Kinetics-like clips)."""
    from mote_mmaction.toolkit.benchmarking.clips import write_clip
    write_clip(path, (192, 96), 10.0, 30, 'h264', 0, keyint=250)


def keyframes(path):
    import av
    with av.open(path) as c:
        st = c.streams.video[0]
        # keyframes in presentation order: decode and read the flags
        flags = [f.key_frame for f in c.decode(st)]
        return [i for i, k in enumerate(flags) if k], len(flags), (st.width,
                                                                   st.height)


@pytest.fixture()
def src(tmp_path):
    root = tmp_path / 'src'
    os.makedirs(root / 'a')
    write_wide_h264(str(root / 'a' / 'wide.mkv'))
    write_clip(str(root / 'b' / 'square.mp4'), 0, num_frames=16, size=32)
    (root / 'b' / 'empty.mp4').write_bytes(b'')
    (root / 'b' / 'text.avi').write_text('not a video\n')
    ann = tmp_path / 'list.txt'
    ann.write_text('a/wide.mkv 0\nb/square.mp4 1\nb/empty.mp4 2\n'
                   'b/text.avi 0\nb/missing.mp4 1\n')
    return root, ann


def test_resize_keyint_resume_and_failures(src, tmp_path, capsys):
    root, ann = src
    dst = tmp_path / 'dst'
    tool = load_tool()
    args = [str(root), str(dst), '--ann-file', str(ann), '--short-side',
            '64', '--keyint', '8', '--workers', '2', '--preset',
            'ultrafast']
    assert tool.main(args) == 0
    text = capsys.readouterr().out
    assert '2 re-encoded' in text and '3 unreadable' in text

    wide = dst / 'a' / 'wide.mp4'  # .mkv -> .mp4
    kf, frames, size = keyframes(str(wide))
    assert size == (128, 64)  # short side 64, aspect kept
    assert frames == 300 and kf == list(range(0, 300, 8))
    kf, frames, size = keyframes(str(dst / 'b' / 'square.mp4'))
    assert size == (32, 32) and frames == 16  # never up-scaled
    # source: one keyframe; output: at least one every 8 frames
    assert kf[:2] == [0, 8] and max(np.diff(kf + [frames])) <= 8

    failed = dict(ln.split('\t') for ln in
                  (dst / 'failed_videos.txt').read_text().splitlines())
    assert set(failed) == {str(root / 'b' / n) for n in
                           ('empty.mp4', 'text.avi', 'missing.mp4')}
    assert failed[str(root / 'b' / 'empty.mp4')].startswith('empty file')
    assert failed[str(root / 'b' / 'missing.mp4')] == 'missing file'
    assert failed[str(root / 'b' / 'text.avi')].startswith('cannot open')
    assert not [n for n in os.listdir(dst / 'b') if n.startswith('.tmp_')]
    umask = os.umask(0)
    os.umask(umask)
    for made in (wide, dst / 'list.txt', dst / 'resize_report.tsv'):
        assert os.stat(made).st_mode & 0o777 == 0o666 & ~umask  # not private
    assert (dst / 'list.txt').read_text() == \
        'a/wide.mp4 0\nb/square.mp4 1\n'
    report = (dst / 'resize_report.tsv').read_text().splitlines()
    assert report[1].startswith('a/wide.mkv\tdone\t192x96->128x64, 300 frames')

    # MMAction2's decord pipeline reads the outputs
    from mmaction.registry import TRANSFORMS
    from mmcv.transforms import Compose
    pipe = Compose([TRANSFORMS.build(t) for t in (
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=4, num_clips=2,
             test_mode=True),
        dict(type='DecordDecode'))])
    out = pipe(dict(filename=str(wide), start_index=0, modality='RGB'))
    assert out['total_frames'] == 300 and out['img_shape'] == (64, 128)

    # resumable: a second run re-encodes nothing
    mtime = os.stat(wide).st_mtime_ns
    assert tool.main(args) == 0
    text = capsys.readouterr().out
    assert '0 re-encoded' in text and '2 skipped' in text
    assert os.stat(wide).st_mtime_ns == mtime


def test_target_size():
    tool = load_tool()
    assert tool.target_size(340, 256, 256) == (340, 256)
    assert tool.target_size(1280, 720, 256) == (456, 256)
    assert tool.target_size(720, 1280, 256) == (256, 456)
    assert tool.target_size(101, 51, 256) == (102, 52)  # even, no upscale
