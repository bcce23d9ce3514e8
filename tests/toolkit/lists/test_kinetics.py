# Copyright (c) OpenMMLab. All rights reserved.
"""The official Kinetics csv files (``label,youtube_id,time_start,
time_end,split[,is_cc]``), their class order and video paths."""
import pytest

from mote_mmaction.toolkit.lists import (find_kinetics_csv, kinetics_classes,
                                         kinetics_dir, kinetics_entries,
                                         kinetics_rows, kinetics_video,
                                         read_class_list)

HEADER = 'label,youtube_id,time_start,time_end,split,is_cc\n'
ROWS = [
    'hurling (sport),AB_DEFGHIJK,120,130,train,0',
    'abseiling,-xyzxyzxyzx,0,10,train,0',
    '"massaging person\'s head",mmmmmmmmmmm,7.0,17.0,train,0',
    'abseiling,aaaaaaaaaaa,3,13,train,0',
]


def write_csv(path, *rows, header=HEADER, bom=False):
    text = header + ''.join(r + '\n' for r in rows)
    path.write_bytes((b'\xef\xbb\xbf' if bom else b'') + text.encode())
    return str(path)


def test_rows_carry_file_and_line(tmp_path):
    """Every row knows its file and line, for the errors of later steps;
    a BOM does not hide the first column."""
    path = write_csv(tmp_path / 'train.csv', *ROWS, bom=True)
    rows = kinetics_rows(path)
    assert [r['label'] for r in rows] == [
        'hurling (sport)', 'abseiling', "massaging person's head", 'abseiling'
    ]
    assert [(r['_file'], r['_line']) for r in rows] == [(path, i)
                                                        for i in (2, 3, 4, 5)]


@pytest.mark.parametrize('header,rows,message', [
    ('youtube_id,time_start\n', ['x,0'],
     "line 1: missing columns ['label', 'time_end']"),
    (HEADER, [ROWS[0], ',bbbbbbbbbbb,0,10,test,0'], 'line 3: no label'),
    (HEADER, [], ': no rows'),
])
def test_bad_csv_names_file_and_line(tmp_path, header, rows, message):
    path = write_csv(tmp_path / 'test.csv', *rows, header=header)
    with pytest.raises(ValueError) as info:
        kinetics_rows(path)
    assert str(info.value).startswith(path) and message in str(info.value)


def test_missing_csv_is_named(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='annotation file not found: .*val.csv'):
        kinetics_rows(str(tmp_path / 'val.csv'))


def test_find_csv_accepts_the_official_and_mmaction_names(tmp_path):
    """CVDF ``val.csv`` first, then DeepMind's ``validate.csv``, then
    MMAction2's ``kinetics_val.csv``."""
    (tmp_path / 'kinetics_val.csv').write_text(HEADER)
    assert find_kinetics_csv(str(tmp_path), 'val') == str(
        tmp_path / 'kinetics_val.csv')
    (tmp_path / 'validate.csv').write_text(HEADER)
    assert find_kinetics_csv(str(tmp_path), 'val') == str(
        tmp_path / 'validate.csv')
    (tmp_path / 'val.csv').write_text(HEADER)
    assert find_kinetics_csv(str(tmp_path), 'val') == str(tmp_path /
                                                          'val.csv')
    with pytest.raises(FileNotFoundError) as info:
        find_kinetics_csv(str(tmp_path), 'train')
    assert str(info.value) == (f'no train.csv or kinetics_train.csv in '
                               f'{tmp_path}')


def test_classes_are_the_sorted_distinct_labels(tmp_path):
    rows = kinetics_rows(write_csv(tmp_path / 'train.csv', *ROWS))
    assert kinetics_classes(rows) == [
        'abseiling', 'hurling (sport)', "massaging person's head"
    ]


def test_class_dirs_and_video_names():
    """Spaces become ``_``; parentheses are dropped unless kept; times are
    whole seconds, zero-padded to 6 digits."""
    assert kinetics_dir(' hurling (sport) ') == 'hurling_sport'
    assert kinetics_dir('hurling (sport)', True) == 'hurling_(sport)'
    row = dict(label="massaging person's head", youtube_id=' mmmmmmmmmmm ',
               time_start='7.0', time_end='17')
    assert kinetics_video(row) == \
        "massaging_person's_head/mmmmmmmmmmm_000007_000017.mp4"
    row.update(time_end='', _file='train.csv', _line=9)
    with pytest.raises(ValueError,
                       match="train.csv line 9: bad time_start/time_end "
                       "'7.0', ''"):
        kinetics_video(row)


def test_entries_sorted_by_path_and_missing_videos_counted(tmp_path):
    """Rows of other classes are skipped; with ``root`` only existing
    videos are listed and the others counted."""
    rows = kinetics_rows(write_csv(tmp_path / 'train.csv', *ROWS))
    classes = ['hurling (sport)', 'abseiling']  # label order of the caller
    entries, missing = kinetics_entries(rows, classes)
    assert missing == 0
    assert entries == [('abseiling/-xyzxyzxyzx_000000_000010.mp4', 1),
                       ('abseiling/aaaaaaaaaaa_000003_000013.mp4', 1),
                       ('hurling_sport/AB_DEFGHIJK_000120_000130.mp4', 0)]
    root = tmp_path / 'videos'
    (root / 'hurling_(sport)').mkdir(parents=True)
    (root / 'hurling_(sport)' / 'AB_DEFGHIJK_000120_000130.mp4').write_text('')
    assert kinetics_entries(rows, classes, str(root), True) == (
        [('hurling_(sport)/AB_DEFGHIJK_000120_000130.mp4', 0)], 2)


def test_read_class_list_formats(tmp_path):
    """txt names verbatim (no normalisation), ``id,name`` csv by id, an
    official csv by its sorted labels."""
    txt = tmp_path / 'names.txt'
    txt.write_text('air_drumming\nApplyEyeMakeup\n')
    assert read_class_list(str(txt)) == ['air_drumming', 'ApplyEyeMakeup']
    id_name = tmp_path / 'names.csv'
    id_name.write_text('id,name\n1,zumba\n0,hurling (sport)\n')
    assert read_class_list(str(id_name)) == ['hurling (sport)', 'zumba']
    official = write_csv(tmp_path / 'train.CSV', *ROWS)
    assert read_class_list(official) == [
        'abseiling', 'hurling (sport)', "massaging person's head"
    ]
