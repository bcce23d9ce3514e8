# Copyright (c) OpenMMLab. All rights reserved.
"""HMDB51's official ``testTrainMulti_7030_splits`` folder: one file per
class and split, lines ``video.avi 1|2|0`` (train, test, unused)."""
import pytest

from mote_mmaction.toolkit.lists import hmdb51_split


@pytest.fixture
def splits(tmp_path):
    folder = tmp_path / 'testTrainMulti_7030_splits'
    folder.mkdir()
    # official lines end with a space
    (folder / 'climb_test_split1.txt').write_text(
        'c1.avi 2 \nc2.avi 1 \nc3.avi 0 \nc4.avi 1 \n')
    (folder / 'climb_stairs_test_split1.txt').write_text('s1.avi 2 \n')
    (folder / 'brush_hair_test_split1.txt').write_text('b1.avi 1 \n')
    (folder / 'climb_test_split2.txt').write_text('c1.avi 1 \n')
    (folder / 'README.txt').write_text('not a split file\n')
    return folder


def test_labels_follow_sorted_class_names(splits):
    """``climb`` < ``climb_stairs`` although ``climb_stairs_test...`` sorts
    before ``climb_test...``; 1 is train, 2 test, 0 unused; file order is
    kept; other splits' and unrelated files are ignored."""
    classes, train, test = hmdb51_split(str(splits), 1)
    assert classes == ['brush_hair', 'climb', 'climb_stairs']
    assert train == [('brush_hair/b1.avi', 0), ('climb/c2.avi', 1),
                     ('climb/c4.avi', 1)]
    assert test == [('climb/c1.avi', 1), ('climb_stairs/s1.avi', 2)]
    assert hmdb51_split(str(splits), 2) == (['climb'], [('climb/c1.avi', 0)],
                                            [])


@pytest.mark.parametrize('line', ['c9.avi 3', 'c9.avi', 'c 9.avi 1'])
def test_bad_line_names_file_and_line(splits, line):
    path = splits / 'climb_test_split1.txt'
    path.write_text(f'c1.avi 1\n\n{line}\n')
    with pytest.raises(ValueError) as info:
        hmdb51_split(str(splits), 1)
    assert str(info.value) == (f'{path} line 3: expected `video.avi 0|1|2`, '
                               f'got {line!r}')


def test_missing_folder_or_split_is_named(splits, tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='split directory not found: .*nowhere'):
        hmdb51_split(str(tmp_path / 'nowhere'), 1)
    with pytest.raises(FileNotFoundError,
                       match=r'no \*_test_split3.txt files in .*7030_splits'):
        hmdb51_split(str(splits), 3)
