# Copyright (c) OpenMMLab. All rights reserved.
"""The readers behind ``MoTEVideoInit`` on generated clips: frame ``i`` is
the ``i``-th frame written, from a path or the file's bytes; PyAV without
a frame count in the header and with missing frames; clear errors for a
missing decoder or an unknown backend.

``test_video_decode.py`` compares the backends' pixels through the
transforms and runs torchcodec with PyAV's FFmpeg."""
import sys
import types

import numpy as np
import pytest

from mote_mmaction.datasets.transforms.video_readers import (
    VIDEO_READERS, DecoderUnavailableError, PyAVReader,
    check_backend, open_video)
from mote_mmaction.testing.synthetic_videos import (render_motion_frames,
                                                    write_motion_clip)

MOTION, NUM_FRAMES, SIZE, FPS, SEED = 'moving left', 16, (64, 64), 8, 0


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    """The same 16-frame clip as ``.avi`` (MJPG, frame count in the header)
    and ``.mkv`` (XVID, no count)."""
    folder = tmp_path_factory.mktemp('clips')
    paths = {}
    for ext in ('avi', 'mkv'):
        paths[ext] = str(folder / f'clip.{ext}')
        write_motion_clip(paths[ext], MOTION, NUM_FRAMES, SIZE, FPS, SEED)
    return paths


def nearest_written_frames(frames):
    """Index of the written frame closest to each decoded one."""
    written = render_motion_frames(MOTION, NUM_FRAMES, SIZE, SEED)
    err = np.abs(frames[:, None].astype(np.float32) -
                 written[None].astype(np.float32)).mean(axis=(2, 3, 4))
    return err.argmin(axis=1).tolist()


@pytest.mark.parametrize('backend', ['decord', 'pyav'])
@pytest.mark.parametrize('ext', ['avi', 'mkv'])
def test_frame_i_is_the_ith_written_frame(clips, backend, ext):
    """Frame count and rate as written; the frames read at sorted indices
    are those frames, identically from the path and from the bytes (what
    ``MoTEVideoInit`` passes); for PyAV the ``.mkv`` frames are counted
    from its packets."""
    indices = np.array([0, 1, 7, 15])
    with open(clips[ext], 'rb') as f:
        data = f.read()
    frames = []
    for source in (clips[ext], data):
        reader = open_video(source, backend)
        assert type(reader) is VIDEO_READERS[backend]
        assert (len(reader), reader.fps) == (NUM_FRAMES, FPS)
        frames.append(reader.read(indices))
        reader.close()
    assert frames[0].shape == (4, SIZE[1], SIZE[0], 3)
    assert frames[0].dtype == np.uint8
    np.testing.assert_array_equal(frames[0], frames[1])
    assert nearest_written_frames(frames[0]) == indices.tolist()


def test_pyav_frames_missing_after_the_header_count(clips, tmp_path):
    """An AVI cut in half still counts 16 frames in its header: reading a
    frame past the cut names it instead of returning fewer frames."""
    with open(clips['avi'], 'rb') as f:
        data = f.read()
    cut = tmp_path / 'cut.avi'
    cut.write_bytes(data[:len(data) // 2])
    reader = PyAVReader(str(cut))
    assert len(reader) == NUM_FRAMES
    with pytest.raises(OSError, match=r'frame 15 is missing \(16 in the '
                       r'header\)'):
        reader.read(np.array([0, 15]))


def test_pyav_file_without_video_stream(tmp_path):
    import av
    path = str(tmp_path / 'audio.wav')
    with av.open(path, 'w') as container:
        stream = container.add_stream('pcm_s16le', rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format='s16', layout='mono')
        frame.sample_rate = 8000
        for packet in list(stream.encode(frame)) + list(stream.encode()):
            container.mux(packet)
    with pytest.raises(ValueError, match='no video stream'):
        PyAVReader(path)


def test_unknown_backend_lists_the_choices(clips):
    for call in (lambda: check_backend('opencv'),
                 lambda: open_video(clips['avi'], 'opencv')):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == ("unknown video backend 'opencv'; choose "
                                   "one of ['decord', 'pyav', 'torchcodec']")


@pytest.mark.parametrize('backend,module', [('decord', 'decord'),
                                            ('pyav', 'av'),
                                            ('torchcodec', 'torchcodec')])
def test_missing_decoder_says_what_to_install(clips, monkeypatch, backend,
                                              module):
    """A decoder that cannot be imported is a ``DecoderUnavailableError``
    (an ``ImportError``: the setup's fault, never the video's), when the
    pipeline is checked and when a video is opened."""
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    for call in (lambda: check_backend(backend),
                 lambda: open_video(clips['avi'], backend)):
        with pytest.raises(DecoderUnavailableError,
                           match=f'pip install {module}'):
            call()
    assert issubclass(DecoderUnavailableError, ImportError)


def test_torchcodec_without_ffmpeg_says_how_to_get_it(monkeypatch):
    """torchcodec that found no FFmpeg libraries: the message gives the
    ``LD_LIBRARY_PATH`` line for PyAV's FFmpeg."""
    torchcodec = types.ModuleType('torchcodec')
    torchcodec.ffmpeg_major_version = None
    decoders = types.ModuleType('torchcodec.decoders')
    decoders.VideoDecoder = object
    torchcodec.decoders = decoders
    monkeypatch.setitem(sys.modules, 'torchcodec', torchcodec)
    monkeypatch.setitem(sys.modules, 'torchcodec.decoders', decoders)
    with pytest.raises(DecoderUnavailableError) as info:
        check_backend('torchcodec')
    assert 'found no FFmpeg shared libraries' in str(info.value)
    assert ('export LD_LIBRARY_PATH=$(python -m mote_mmaction.compat.'
            'torchcodec_ffmpeg)') in str(info.value)


def test_codec_decord_cannot_decode_names_a_backend_that_can(tmp_path):
    """AV1 (decord's wheel has no decoder for it; it said "cannot find
    video stream"): the error names the codec and a backend that decodes
    it, which then does; the start-up check reports the same reason."""
    import av

    from mote_mmaction.datasets.transforms.video_readers import \
        UnsupportedCodecError
    from mote_mmaction.datasets.video_check import check_video
    path = str(tmp_path / 'av1.mp4')
    with av.open(path, 'w') as container:
        stream = container.add_stream('libsvtav1', rate=8)  # in PyAV's wheel
        stream.width, stream.height, stream.pix_fmt = 64, 64, 'yuv420p'
        stream.options = {'preset': '12'}
        for i in range(8):
            frame = av.VideoFrame.from_ndarray(
                np.full((64, 64, 3), 20 * i, np.uint8), format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with open(path, 'rb') as f:
        data = f.read()
    for source in (path, data):
        with pytest.raises(UnsupportedCodecError) as info:
            open_video(source, 'decord')
        assert str(info.value).startswith(
            "decord cannot decode this av1 video; use backend='pyav' "
            '(MoTEVideoInit(backend=...) in the pipeline; pyav')
    assert len(open_video(path, 'pyav').read(np.arange(8))) == 8
    reason = check_video(path, decoder='decord')
    assert reason.startswith('cannot open: UnsupportedCodecError: decord '
                             'cannot decode '
                             "this av1 video; use backend='pyav'")
    assert check_video(path, decoder='pyav') is None


def test_torchcodec_failing_its_import_says_how_to_get_ffmpeg(monkeypatch):
    """Older torchcodec releases (0.14) raise ``RuntimeError`` from
    ``import torchcodec`` when no FFmpeg loads: the same clear
    ``DecoderUnavailableError``, with torchcodec's first line."""

    class FailingImport:

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == 'torchcodec':
                raise RuntimeError('Could not load libtorchcodec. Likely '
                                   'causes:\n  1. FFmpeg ...')
            return None

    for name in [m for m in sys.modules
                 if m == 'torchcodec' or m.startswith('torchcodec.')]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, 'meta_path', [FailingImport] + sys.meta_path)
    with pytest.raises(DecoderUnavailableError) as info:
        check_backend('torchcodec')
    assert 'found no FFmpeg shared libraries' in str(info.value)
    assert 'torchcodec_ffmpeg' in str(info.value)
    assert 'Could not load libtorchcodec.' in str(info.value)
