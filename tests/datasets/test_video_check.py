# Copyright (c) OpenMMLab. All rights reserved.
"""The video checker shared by ``MoTEVideoDataset`` and
``tools/data/check_videos.py``: reasons by category on real clips and
broken files, the frames it probes, the scan in threads or processes, and
the ``path<TAB>reason`` list."""
import multiprocessing
import os
import os.path as osp

import numpy as np
import pytest
from _bad_videos import BROKEN

from mote_mmaction.datasets import video_check
from mote_mmaction.datasets.transforms import video_readers
from mote_mmaction.datasets.video_check import (CRASH_REASON, check_video,
                                                find_bad_videos,
                                                read_bad_video_list,
                                                resolve_video_path,
                                                short_reason,
                                                write_bad_video_list)
from mote_mmaction.testing.synthetic_videos import write_motion_clip


class FakeReader(video_readers.VideoReader):
    """``total`` frames; :meth:`read` records the indices and returns
    ``frames`` frames (one per index by default) or raises ``error``."""

    def __init__(self, total, frames=None, error=None):
        self.num_frames, self.frames, self.error = total, frames, error
        self.calls = []

    def read(self, indices):
        self.calls.append(indices.tolist())
        if self.error is not None:
            raise self.error
        n = len(indices) if self.frames is None else self.frames
        return np.zeros((n, 2, 2, 3), np.uint8)


@pytest.fixture
def fake_open(monkeypatch, tmp_path):
    """``(path, opened)``: a non-empty file that ``check_video`` opens with
    ``opened['reader']`` (or whose opening raises ``opened['error']``)."""
    path = tmp_path / 'clip.mp4'
    path.write_bytes(b'not decoded')
    opened = {}

    def open_video(source, backend, num_threads):
        opened.update(source=source, backend=backend)
        if 'error' in opened:
            raise opened['error']
        return opened['reader']

    monkeypatch.setattr(video_readers, 'open_video', open_video)
    return str(path), opened


# ----------------------------------------------------------------------
# reasons
def test_short_reason_strips_decord_traces():
    """One line without decord's (nested) log prefixes or tabs, cut to
    ``limit``; the type alone for an empty message."""

    class DECORDError(RuntimeError):
        pass

    nested = ('[14:17:21] /src/video/ffmpeg/threaded_decoder.cc:292: '
              '[14:17:21] /src/video/ffmpeg/threaded_decoder.cc:218: Check '
              'failed: avcodec_send_packet(dec_ctx_.get(), pkt.get()) >= 0 '
              'Thread worker: Error sending packet.\n\nStack trace:\n  [bt]')
    assert short_reason(DECORDError(nested)) == (
        'DECORDError: avcodec_send_packet(dec_ctx_.get(), pkt.get()) >= 0 '
        'Thread worker: Error sending packet.')
    assert short_reason(
        RuntimeError('[21:10:18] /src/video_reader.cc:151: ERROR\tcannot '
                     'open')) == 'RuntimeError: ERROR cannot open'
    assert short_reason(ValueError('x' * 300), limit=20) == \
        'ValueError: ' + 'x' * 8
    assert short_reason(EOFError()) == 'EOFError'


def test_resolve_video_path_appends_mp4_without_extension():
    assert resolve_video_path('a/b') == 'a/b.mp4'
    assert resolve_video_path('a/b.avi') == 'a/b.avi'


def test_check_video_reasons(vids):
    """Each broken file gets the reason of its category on one line; the
    readable clips none, also without their extension (``DecordInit``
    appends ``.mp4``)."""
    for rel, category in BROKEN.items():
        reason = check_video(vids.path(rel))
        assert reason is not None and reason.startswith(category), reason
        assert '\n' not in reason and '\t' not in reason
    for line in vids.good:
        assert check_video(vids.path(line.split()[0])) is None
    assert check_video(vids.path('videos/c0_0')) is None


@pytest.mark.parametrize('decoder', ['decord', 'pyav'])
def test_folder_and_truncated_frames(tmp_path, decoder):
    """A folder is not a video; an AVI cut after its header opens but its
    frames do not all decode."""
    (tmp_path / 'folder.mp4').mkdir()
    assert check_video(str(tmp_path / 'folder.mp4'),
                       decoder=decoder) == 'not a regular file'
    clip = tmp_path / 'clip.avi'
    write_motion_clip(str(clip), 'moving left', num_frames=16)
    assert check_video(str(clip), decoder=decoder) is None
    data = clip.read_bytes()
    cut = tmp_path / 'cut.avi'
    cut.write_bytes(data[:len(data) * 3 // 10])
    reason = check_video(str(cut), decoder=decoder)
    assert reason is not None and reason.startswith('cannot decode frames'), \
        reason


@pytest.mark.parametrize('total,num_frames,probes', [
    (11, 3, [0, 5, 10]),
    (10, 4, [0, 3, 6, 9]),
    (10, 1, [0]),
    (2, 5, [0, 1]),
    (1, 3, [0]),
])
def test_probes_are_evenly_spaced_with_first_and_last(fake_open, total,
                                                      num_frames, probes):
    path, opened = fake_open
    opened['reader'] = reader = FakeReader(total)
    assert check_video(path, num_frames, decoder='pyav') is None
    assert reader.calls == [probes]
    assert opened == dict(source=path, backend='pyav', reader=reader)


def test_decoder_failures_become_reasons(fake_open):
    """No frames, frames that fail or come back short: the category, the
    probed frames and the error."""
    path, opened = fake_open
    opened['reader'] = FakeReader(0)
    assert check_video(path) == 'no frames'
    opened['reader'] = FakeReader(11, error=ValueError('boom'))
    assert check_video(path) == ('cannot decode frames [0, 5, 10] of 11: '
                                 'ValueError: boom')
    opened['reader'] = FakeReader(11, frames=2)
    assert check_video(path) == ('cannot decode frames [0, 5, 10] of 11: '
                                 'got 2 frames')
    opened['error'] = RuntimeError('[12:00:00] /src/video_reader.cc:151: '
                                   'Check failed: bad header\nstack')
    assert check_video(path) == 'cannot open: RuntimeError: bad header'


def test_missing_decoder_is_an_error_not_a_bad_video(fake_open):
    """A decoder that is not installed is the setup's fault: it raises
    instead of marking every video bad."""
    path, opened = fake_open
    opened['error'] = video_readers.DecoderUnavailableError('pip install av')
    with pytest.raises(video_readers.DecoderUnavailableError):
        check_video(path, decoder='pyav')


# ----------------------------------------------------------------------
# scans
@pytest.mark.parametrize('backend', ['thread', 'process'])
def test_find_bad_videos_in_input_order(vids, backend):
    paths = [vids.path(ln.split()[0]) for ln in vids.broken + vids.good]
    bad = find_bad_videos(paths, workers=2, backend=backend, timeout=60)
    assert [p for p, _ in bad] == paths[:len(BROKEN)]
    assert [r.split(':')[0].split(' (')[0]
            for _, r in bad] == list(BROKEN.values())


def test_find_bad_videos_reports_progress(vids):
    """``progress(done, total)`` after each check, from any iterable; an
    unknown backend is refused."""
    calls = []
    paths = [vids.path(r) for r in ('videos/missing.mp4', 'videos/c0_0.mp4',
                                    'videos/empty.mp4')]
    bad = find_bad_videos(iter(paths), workers=0,
                          progress=lambda *a: calls.append(a))
    assert bad == [(paths[0], 'missing file'),
                   (paths[2], 'empty file (0 bytes)')]
    assert calls == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(ValueError, match="backend must be 'thread' or "
                       "'process', got 'fiber'"):
        find_bad_videos(paths, backend='fiber')


@pytest.mark.skipif(
    multiprocessing.get_start_method() != 'fork',
    reason='the workers must inherit the patched checker')
def test_process_scan_survives_a_crashing_decoder(vids, monkeypatch):
    """A worker that dies (decoder segfault) costs its own video, reported
    as a crash after the timeout, not the scan."""
    real = video_check.check_video

    def crashing(path, num_frames=3):
        if path.endswith('c1_0.mp4'):
            os._exit(3)  # a decoder segfault kills the worker
        return real(path, num_frames)

    # the pool forks, so the workers see the patched function
    monkeypatch.setattr(video_check, 'check_video', crashing)
    paths = [vids.path(ln.split()[0]) for ln in vids.good]
    bad = find_bad_videos(paths, workers=2, backend='process', timeout=2)
    assert [(osp.basename(p), r.split(' (')[0])
            for p, r in bad] == [('c1_0.mp4', CRASH_REASON)]


# ----------------------------------------------------------------------
# the bad-video list
def test_bad_video_list_round_trip(tmp_path):
    """Written ``path<TAB>reason`` lines read back; comments and blank
    lines are skipped and a line without a reason gets one."""
    rows = [('/v/a b.mp4', 'missing file'),
            ('/v/c.mp4', 'cannot open: RuntimeError: x')]
    path = tmp_path / 'new' / 'bad.txt'
    write_bad_video_list(str(path), rows)
    assert read_bad_video_list(str(path)) == rows
    with open(path, 'a') as f:
        f.write('\n# checked by hand\n/v/d.mp4\n')
    assert read_bad_video_list(str(path))[2:] == [('/v/d.mp4',
                                                   'listed as bad')]
    with pytest.raises(FileNotFoundError,
                       match='bad-video list not found: .*nope.txt'):
        read_bad_video_list(str(tmp_path / 'nope.txt'))


def test_bad_video_list_is_written_atomically(tmp_path):
    """An error while the rows are written keeps the previous complete
    list and leaves no temporary file."""
    path = tmp_path / 'bad.txt'
    write_bad_video_list(str(path), [('/v/old.mp4', 'empty file')])

    def rows():
        yield '/v/new.mp4', 'missing file'
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_bad_video_list(str(path), rows())
    assert read_bad_video_list(str(path)) == [('/v/old.mp4', 'empty file')]
    assert os.listdir(tmp_path) == ['bad.txt']
