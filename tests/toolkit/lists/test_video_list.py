# Copyright (c) OpenMMLab. All rights reserved.
"""``VideoDataset`` lists and class-name files: reading (official line
ends, blank lines, errors naming file and line) and atomic writing."""
import errno
import os

import pytest

from mote_mmaction.toolkit.lists import (read_lines, read_list, write_list,
                                         write_names, write_names_csv)
from mote_mmaction.vocabulary import load_class_names


@pytest.fixture
def disk_full(monkeypatch):
    """Make the flush to disk fail (``ENOSPC``), as on a full disk."""

    def fsync(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', fsync)


def test_read_lines_strips_bom_crlf_and_skips_blank_lines(tmp_path):
    """Line numbers count the blank lines, so errors point at the right
    line of a file saved by a Windows editor (BOM, CRLF)."""
    path = tmp_path / 'list.txt'
    path.write_bytes(b'\xef\xbb\xbfa.mp4 0\r\n\r\n  \t\r\n b.mp4 1 \r\n')
    assert read_lines(str(path)) == [(1, 'a.mp4 0'), (4, 'b.mp4 1')]
    with pytest.raises(FileNotFoundError,
                       match='annotation file not found: .*nope.txt'):
        read_lines(str(tmp_path / 'nope.txt'))


def test_read_list_gives_path_and_label(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('a/x.mp4 0\n\nb/y.avi  12\n')
    assert read_list(str(path)) == [('a/x.mp4', 0), ('b/y.avi', 12)]


# a path with a space would be split by VideoDataset; '²' is a digit to
# str.isdigit but not to int()
@pytest.mark.parametrize('bad', ['a.mp4', 'a.mp4 x', 'a.mp4 -1', 'a.mp4 1.5',
                                 'b/y z.avi 12', 'a.mp4 \u00b2'])
def test_read_list_bad_line_names_file_and_line(tmp_path, bad):
    """A line without a non-negative integer label is an error naming the
    file, the line and its text."""
    path = tmp_path / 'bad.txt'
    path.write_text(f'ok.mp4 0\n{bad}\n')
    with pytest.raises(ValueError) as info:
        read_list(str(path))
    assert str(info.value) == (
        f'{path} line 2: expected `path label` (a path without spaces and an '
        f'integer label), got {bad!r}')


def test_read_list_without_videos_is_an_error(tmp_path):
    path = tmp_path / 'blank.txt'
    path.write_text('\n  \n')
    with pytest.raises(ValueError) as info:
        read_list(str(path))
    assert str(info.value) == f'{path}: no videos'


def test_write_list_round_trips_and_creates_the_folder(tmp_path):
    """``write_list`` takes any iterable, returns the line count and writes
    what ``read_list`` reads back."""
    entries = [('c0/v0.mp4', 0), ('c1/v1.mp4', 1), ('c0/v2.mp4', 0)]
    path = tmp_path / 'new' / 'dir' / 'list.txt'
    assert write_list(str(path), iter(entries)) == 3
    assert path.read_text() == 'c0/v0.mp4 0\nc1/v1.mp4 1\nc0/v2.mp4 0\n'
    assert read_list(str(path)) == entries


def test_write_list_refuses_paths_with_whitespace(tmp_path):
    """A list VideoDataset would misread is not written at all."""
    path = tmp_path / 'list.txt'
    with pytest.raises(ValueError, match=r"must not contain whitespace.*"
                       r"\['air drumming/v.mp4'\]"):
        write_list(str(path), [('ok.mp4', 0), ('air drumming/v.mp4', 1)])
    assert not path.exists()


def test_write_names_txt_and_csv(tmp_path):
    """Line i is label i; the csv quotes names with commas or quotes so the
    class-name loader reads them verbatim."""
    names = ['air drumming', 'a, b', 'say "hi"']
    txt, csv_file = tmp_path / 'names.txt', tmp_path / 'names.csv'
    write_names(str(txt), names)
    assert txt.read_text().splitlines() == names
    write_names_csv(str(csv_file), names)
    assert csv_file.read_text().splitlines()[0] == 'id,name'
    assert load_class_names(str(csv_file)) == names


@pytest.mark.parametrize('write', [
    lambda p: write_list(p, [('new.mp4', 1)]),
    lambda p: write_names(p, ['new']),
    lambda p: write_names_csv(p, ['new']),
])
def test_writers_leave_the_old_file_on_errors(tmp_path, disk_full, write):
    """A failed write keeps the previous complete file and leaves no
    temporary file beside it."""
    path = tmp_path / 'out.txt'
    path.write_text('old.mp4 0\n')
    with pytest.raises(OSError, match='No space left'):
        write(str(path))
    assert path.read_text() == 'old.mp4 0\n'
    assert os.listdir(tmp_path) == ['out.txt']
