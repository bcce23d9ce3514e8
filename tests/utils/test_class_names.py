# Copyright (c) OpenMMLab. All rights reserved.
import pytest

from mote_mmaction.utils.class_names import (describe_class_names,
                                             load_class_names,
                                             normalize_class_name)


@pytest.mark.parametrize('raw,readable', [
    ('ApplyEyeMakeup', 'Apply Eye Makeup'),
    ('brush_hair', 'brush hair'),
    ('air drumming', 'air drumming'),
    ('YoYo', 'Yo Yo'),
    ('PlayingDaf', 'Playing Daf'),
    ('  jump__rope ', 'jump rope'),
    ('passing American football (in game)',
     'passing American football (in game)'),
    ('TV', 'TV'),
])
def test_normalize(raw, readable):
    assert normalize_class_name(raw) == readable


def test_txt_is_normalised_and_csv_is_verbatim(tmp_path):
    txt = tmp_path / 'names.txt'
    txt.write_text('ApplyEyeMakeup\nbrush_hair\n\n')
    assert load_class_names(str(txt)) == ['Apply Eye Makeup', 'brush hair']
    assert load_class_names(str(txt), normalize=False) == [
        'ApplyEyeMakeup', 'brush_hair']
    csv = tmp_path / 'names.csv'
    csv.write_text('id,name\n1,brush_hair\n0,YoYo\n')
    assert load_class_names(str(csv)) == ['YoYo', 'brush_hair']
    assert load_class_names(['TaiChi', 'ride_bike']) == [
        'Tai Chi', 'ride bike']
    desc = describe_class_names(str(csv))
    assert 'names.csv' in desc and '2 classes' in desc and 'sha1' in desc


@pytest.mark.parametrize('content,match', [
    ('name,id\n0,a\n', 'header'),
    ('id,name\n0,a\n2,b\n', 'ids'),
    ('id,name\n0,\n', 'line 2'),
])
def test_bad_csv_is_a_clear_error(tmp_path, content, match):
    path = tmp_path / 'bad.csv'
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as err:
        load_class_names(str(path))
    assert 'bad.csv' in str(err.value)


def test_missing_or_empty_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        load_class_names(str(tmp_path / 'nope.txt'))
    path = tmp_path / 'gap.txt'
    path.write_text('a\n\nb\n')
    with pytest.raises(ValueError, match='gap.txt'):
        load_class_names(str(path))
