# Copyright (c) OpenMMLab. All rights reserved.
"""UCF101's official ``classInd.txt`` and train/test lists, in their own
format (CRLF line ends, 1-based ids, test lists without labels)."""
import pytest

from mote_mmaction.toolkit.lists import (ucf101_authors_names, ucf101_classes,
                                         ucf101_split)

CLASSES = ['ApplyEyeMakeup', 'Archery', 'HandstandPushups', 'YoYo']


def write(path, *rows):
    path.write_bytes(('\r\n'.join(rows) + '\r\n').encode())
    return str(path)


def test_classes_follow_the_ids_not_the_line_order(tmp_path):
    """Label i is the class of id i + 1, wherever its line is."""
    class_ind = write(tmp_path / 'classInd.txt', '3 HandstandPushups',
                      '1 ApplyEyeMakeup', '4 YoYo', '2 Archery')
    assert ucf101_classes(class_ind) == CLASSES


@pytest.mark.parametrize('rows,message', [
    (['1 Apply Eye'], "line 1: expected `id Name`, got '1 Apply Eye'"),
    (['A Archery'], 'line 1: expected `id Name`'),
    (['1 A', '2 B', '2 C'], 'line 3: duplicate id 2'),
    (['0 A', '1 B'], 'ids must be 1..2'),
    (['1 A', '3 B'], 'ids must be 1..2'),
    (['1 A', '2 A'], 'duplicate class names'),
])
def test_bad_class_ind_names_file_and_line(tmp_path, rows, message):
    class_ind = write(tmp_path / 'classInd.txt', *rows)
    with pytest.raises(ValueError) as info:
        ucf101_classes(class_ind)
    assert str(info.value).startswith(class_ind)
    assert message in str(info.value)


def test_split_labels_come_from_the_class_directory(tmp_path):
    """Train lists (1-based label column) and test lists (none) give
    0-based labels of the directory; Windows separators become ``/``; the
    official ``HandstandPushups`` folder holds ``v_HandStandPushups``
    videos."""
    train = write(tmp_path / 'trainlist01.txt',
                  'Archery/v_Archery_g08_c01.avi 2',
                  'HandstandPushups/v_HandStandPushups_g11_c01.avi 3')
    assert ucf101_split(train, CLASSES) == [
        ('Archery/v_Archery_g08_c01.avi', 1),
        ('HandstandPushups/v_HandStandPushups_g11_c01.avi', 2)
    ]
    test = tmp_path / 'testlist01.txt'
    test.write_bytes(b'YoYo\\v_YoYo_g01_c01.avi\r\n'
                     b'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi')
    assert ucf101_split(str(test), CLASSES) == [
        ('YoYo/v_YoYo_g01_c01.avi', 3),
        ('ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi', 0)
    ]


@pytest.mark.parametrize('line,message', [
    ('Surfing/v_Surfing_g01_c01.avi', "line 2: unknown class 'Surfing'"),
    ('YoYo/v.avi 1', "line 2: label 1 does not match class 'YoYo' (id 4"),
    ('v_YoYo_g01_c01.avi', 'line 2: expected `Class/video.avi [label]`'),
    ('YoYo/v.avi 4 4', 'line 2: expected `Class/video.avi [label]`'),
])
def test_bad_split_line_names_file_and_line(tmp_path, line, message):
    split = write(tmp_path / 'trainlist02.txt', 'YoYo/ok.avi 4', line)
    with pytest.raises(ValueError) as info:
        ucf101_split(split, CLASSES)
    assert str(info.value).startswith(split)
    assert message in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='classInd.txt'):
        ucf101_classes(str(tmp_path / 'classInd.txt'))


def test_authors_names_split_camel_case_but_keep_yoyo():
    """The MoTE authors' strings: readable names, but ``YoYo`` as one
    word."""
    assert ucf101_authors_names(CLASSES) == [
        'Apply Eye Makeup', 'Archery', 'Handstand Pushups', 'YoYo'
    ]
