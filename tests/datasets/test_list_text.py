# Copyright (c) OpenMMLab. All rights reserved.
"""Annotation lists: a byte-order mark is dropped, a non-UTF-8 list is
named by file and line, a video listed twice stops naming both lines
(``allow_duplicates`` opts in), in ``MoTEVideoDataset`` (train and test)
and in the list readers of ``tools/data``."""
import os.path as osp

import pytest

from mote_mmaction.datasets import MoTEVideoDataset
from mote_mmaction.datasets.list_text import (DuplicateVideoError,
                                              ListEncodingError)
from mote_mmaction.toolkit.lists import read_list


def _write(tmp_path, data: bytes) -> str:
    path = str(tmp_path / 'list.txt')
    with open(path, 'wb') as f:
        f.write(data)
    return path


def _dataset(ann: str, **kwargs) -> MoTEVideoDataset:
    return MoTEVideoDataset(ann, pipeline=[], data_prefix=dict(video='vids'),
                            **kwargs)


def test_byte_order_mark_is_dropped(tmp_path):
    """A list saved with a BOM (Windows editors) names its first video, not
    '\\ufeffa.mp4' (which was an 'unreadable video' every epoch)."""
    ann = _write(tmp_path, b'\xef\xbb\xbfa.mp4 0\r\nb.mp4 1\r\n')
    ds = _dataset(ann)
    assert [ds.get_data_info(i)['filename'] for i in range(2)] == [
        osp.join('vids', 'a.mp4'), osp.join('vids', 'b.mp4')]
    assert read_list(ann) == [('a.mp4', 0), ('b.mp4', 1)]


def test_non_utf8_list_names_file_and_line(tmp_path):
    ann = _write(tmp_path, b'a.mp4 0\ncaf\xe9.mp4 1\n')  # Latin-1
    for read in (_dataset, read_list):
        with pytest.raises(ListEncodingError) as info:
            read(ann)
        msg = str(info.value)
        assert msg.startswith(f"{ann} line 2 is not UTF-8 (byte b'\\xe9'")
        assert 'iconv -f latin1 -t utf-8' in msg


@pytest.mark.parametrize('test_mode', [True, False])
def test_video_under_two_labels_names_both_lines(tmp_path, test_mode):
    ann = _write(tmp_path, b'a.mp4 0\nb.mp4 1\n\nc.mp4 2\n./a.mp4 3\n')
    with pytest.raises(DuplicateVideoError) as info:
        _dataset(ann, test_mode=test_mode)
    assert str(info.value) == (
        f'{ann}: lines 1 and 5 list the same video vids/./a.mp4 (with '
        'labels 0 and 3); remove one line, or set allow_duplicates=True in '
        'the dataset config if the repeat is intended.')
    with pytest.raises(DuplicateVideoError, match='lines 1 and 5 .*with '
                       'labels 0 and 3'):
        read_list(ann)


def test_same_video_twice_and_the_opt_in(tmp_path):
    ann = _write(tmp_path, b'a.mp4 0\nb.mp4 1\na.mp4 0\n')
    with pytest.raises(DuplicateVideoError,
                       match=r'lines 1 and 3 .*\(both with label 0\)'):
        _dataset(ann, test_mode=True)
    # intended repeats (oversampling) are allowed when asked for
    assert len(_dataset(ann, allow_duplicates=True)) == 3
    assert read_list(ann, allow_duplicates=True) == [
        ('a.mp4', 0), ('b.mp4', 1), ('a.mp4', 0)]
