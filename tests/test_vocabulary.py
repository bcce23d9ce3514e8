# Copyright (c) OpenMMLab. All rights reserved.
import hashlib
import json
from pathlib import Path

import pytest

from mote_mmaction.vocabulary import (describe_class_names,
                                      has_descriptions, load_class_names,
                                      load_class_phrasings,
                                      normalize_class_name)


@pytest.mark.parametrize('raw,readable', [
    ('ApplyEyeMakeup', 'Apply Eye Makeup'),
    ('brush_hair', 'brush hair'),
    ('air drumming', 'air drumming'),
    ('YoYo', 'Yo Yo'),
    ('PlayingDaf', 'Playing Daf'),
    ('HandstandPushups', 'Handstand Pushups'),
    ('CleanAndJerk', 'Clean And Jerk'),
    ('Skijet', 'Skijet'),
    ('TVShow', 'TV Show'),
    ('TV', 'TV'),
    ('  jump__rope ', 'jump rope'),
    ('fall_floor', 'fall floor'),
    ("massaging person's head", "massaging person's head"),
    ('passing American football (in game)',
     'passing American football (in game)'),
    ('backflip (human)', 'backflip (human)'),
    ('Apply Eye Makeup', 'Apply Eye Makeup'),
    ('a\tb', 'a b'),
])
def test_normalize(raw, readable):
    assert normalize_class_name(raw) == readable
    # idempotent
    assert normalize_class_name(readable) == readable


def test_txt_is_normalised(tmp_path):
    txt = tmp_path / 'names.txt'
    txt.write_text('ApplyEyeMakeup\r\nbrush_hair\r\n  YoYo \r\n\r\n\n')
    assert load_class_names(
        str(txt)) == ['Apply Eye Makeup', 'brush hair', 'Yo Yo']
    assert load_class_names(
        txt, normalize=False) == ['ApplyEyeMakeup', 'brush_hair', 'YoYo']
    # no suffix: the txt format too
    plain = tmp_path / 'label_map'
    plain.write_text('air drumming\nabseiling')
    assert load_class_names(str(plain)) == ['air drumming', 'abseiling']


def test_csv_is_verbatim_and_sorted_by_id(tmp_path):
    path = tmp_path / 'names.csv'
    # BOM, CRLF, ids out of order, a trailing blank line
    path.write_bytes('\ufeffid,name\r\n1,brush_hair\r\n2,"a, b"\r\n'
                     '0,YoYo\r\n\r\n'.encode('utf-8'))
    assert load_class_names(str(path)) == ['YoYo', 'brush_hair', 'a, b']
    assert load_class_names(
        str(path), normalize=False) == ['YoYo', 'brush_hair', 'a, b']


def test_list_input():
    assert load_class_names(['TaiChi',
                             'ride_bike']) == ['Tai Chi', 'ride bike']
    assert load_class_names(('TaiChi', ), normalize=False) == ['TaiChi']
    with pytest.raises(ValueError, match='inline class-name list is empty'):
        load_class_names([])
    with pytest.raises(ValueError, match='item 1'):
        load_class_names(['a', ' '])
    with pytest.raises(
            ValueError,
            match="item 1: duplicate class name "
            "'brush hair' .first at item 0"):
        load_class_names(['brush hair', 'brush_hair'])
    with pytest.raises(TypeError):
        load_class_names(3)


@pytest.mark.parametrize('content,match', [
    ('name,id\n0,a\n', r'line 1: expected the header `id,name`'),
    ('', r'line 1: expected the header'),
    ('id,name\n', 'no class names'),
    ('id,name\n0,a\n2,b\n', r'ids must be exactly 0\.\.1 for 2 classes; '
     r'missing ids \[1\], out-of-range ids \[2\]'),
    ('id,name\n0,a\n0,b\n', r'line 3: duplicate id 0 \(first on line 2\)'),
    ('id,name\nx,a\n', "line 2: id 'x' is not an integer"),
    ('id,name\n0,a\n1, \n', 'line 3: empty class name for id 1'),
    ('id,name\n0,a\n1,b,c\n', 'line 3: expected 2 fields'),
    ('id,name\n0,a\n1,b\n2,a\n', "line 4: duplicate class name 'a' "
     r'\(first at line 2\)'),
    # csv names are verbatim, but the tokenizer lower-cases them
    ('id,name\n0,Tai Chi\n1,tai  chi\n', "line 3: duplicate class name "
     r"'tai  chi' \(first at line 2 'Tai Chi', which the tokenizer reads "
     'the same'),
])
def test_bad_csv_is_a_clear_error(tmp_path, content, match):
    path = tmp_path / 'bad.csv'
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as err:
        load_class_names(str(path))
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    'content,match',
    [
        ('a\n\nb\n', 'line 2: empty class name'),
        ('\n\n', 'no class names'),
        ('a\nb\na\n', "line 3: duplicate class name 'a'"),
        # duplicates after normalisation
        ('brush_hair\nbrush hair\n',
         "line 2: duplicate class name 'brush hair'"),
        # duplicates as the tokenizer sees them
        ('Playing Guitar\nplaying guitar\n',
         "line 2: duplicate class name 'playing guitar' .first at line 1 "
         "'Playing Guitar'"),
        ('rock &amp; roll\nrock & roll\n', 'line 2: duplicate'),
    ])
def test_bad_txt_is_a_clear_error(tmp_path, content, match):
    path = tmp_path / 'bad.txt'
    path.write_text(content)
    with pytest.raises(ValueError, match=match) as err:
        load_class_names(str(path))
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    for name in ('nope.txt', 'nope.csv'):
        with pytest.raises(FileNotFoundError, match=name):
            load_class_names(str(tmp_path / name))


def test_describe(tmp_path):
    path = tmp_path / 'names.txt'
    path.write_text('ApplyEyeMakeup\nArchery\nYoYo\nTaiChi\n')
    names = ['Apply Eye Makeup', 'Archery', 'Yo Yo', 'Tai Chi']
    digest = hashlib.sha1('\n'.join(names).encode()).hexdigest()[:10]
    desc = describe_class_names(str(path))
    assert desc == (f"{path}: 4 classes ['Apply Eye Makeup', 'Archery', "
                    f"'Yo Yo', ...] sha1 {digest}")
    assert describe_class_names(Path(path)) == desc
    inline = describe_class_names(['ApplyEyeMakeup', 'Archery'])
    assert inline.startswith("inline list: 2 classes ['Apply Eye Makeup', "
                             "'Archery'] sha1 ")
    # the digest identifies the names, not where they come from
    assert inline.split()[-1] != digest
    assert describe_class_names(names).split()[-1] == digest
    assert '\n' not in desc
    # names already loaded (the head, the dataset): the file is not re-read
    path.unlink()
    assert describe_class_names(str(path), names) == desc


# --- descriptor vocabularies ---
WANT = [('archery', ), ('biking', 'riding a bicycle', 'cycling on a road'),
        ('bowling', 'rolling a ball at pins')]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return str(path)


def test_json_all_item_forms(tmp_path):
    path = _write(tmp_path, 'v.json', json.dumps([
        'archery', ['biking', 'riding a bicycle', 'cycling on a road'],
        {'name': 'bowling', 'descriptions': ['rolling a ball at pins']}]))
    assert load_class_phrasings(path) == WANT
    assert load_class_names(path) == ['archery', 'biking', 'bowling']
    assert has_descriptions(load_class_phrasings(path))


def test_csv_rows_per_id_any_order(tmp_path):
    path = _write(tmp_path, 'v.csv', 'id,name,description\n'
                  '1,biking,riding a bicycle\n2,bowling,rolling a ball at '
                  'pins\n0,archery,\n1,biking,cycling on a road\n')
    assert load_class_phrasings(path) == WANT
    assert load_class_names(path) == ['archery', 'biking', 'bowling']


def test_plain_files_and_lists_give_load_class_names_names(tmp_path):
    txt = _write(tmp_path, 'c.txt', 'ApplyEyeMakeup\nbrush_hair\n\n')
    csv = _write(tmp_path, 'c.csv', 'id,name\n1,YoYo\n0,brush_hair\n')
    for src in (txt, csv, ['ApplyEyeMakeup', 'brush_hair']):
        got = load_class_phrasings(src)
        assert got == [(n, ) for n in load_class_names(src)]
        assert not has_descriptions(got)
    assert load_class_phrasings(txt)[0] == ('Apply Eye Makeup', )
    # inline phrasing sequences are verbatim, names are normalised
    assert load_class_phrasings(['brush_hair', ['a_b', 'c']]) == \
        [('brush hair', ), ('a_b', 'c')]


@pytest.mark.parametrize('text,match', [
    ('{"a": 1}', r'v\.json: expected a non-empty JSON list'),
    ('["a", [], "b"]',
     r'v\.json item 1: expected a name or a non-empty list of phrasings'),
    ('["a", {"name": "b", "desc": []}]', r'v\.json item 1: expected keys'),
    ('["a", {"name": "b", "descriptions": "x"}]',
     r'v\.json item 1: `descriptions` must be a list'),
    ('["a", ["b", ""]]', r'v\.json item 1\[1\]: expected a non-empty'),
    ('["a", 3]', r'v\.json item 1: expected a string'),
    ('["a", ["b", "x", "X"]]', r'item 1: phrasing 2 .X. repeats phrasing 1'),
    ('["walk", "Walk"]', r'v\.json item 1: duplicate class name'),
    ('["a",', r'v\.json: not valid JSON'),
])
def test_json_errors(tmp_path, text, match):
    path = _write(tmp_path, 'v.json', text)
    with pytest.raises(ValueError, match=match):
        load_class_phrasings(path)
    with pytest.raises(ValueError, match=match):  # names too, same check
        load_class_names(path)


@pytest.mark.parametrize('rows,match', [
    ('0,a,x\n0,b,y\n', r'v\.csv line 3: id 0 is named .b. but .a. on line 2'),
    ('0,a,x,y\n', r'v\.csv line 2: expected 3 fields'),
    ('z,a,x\n', r'v\.csv line 2: id .z. is not an integer'),
    ('0,,x\n', r'v\.csv line 2: empty class name for id 0'),
    ('0,a,x\n2,b,y\n', r'v\.csv: ids must be exactly 0\.\.1.*missing ids '
     r'\[1\]'),
    ('0,a,x\n0,a,x\n', r'v\.csv id 0 \(first on line 2\): phrasing 2'),
    ('0,a,\n1,A,\n', r'v\.csv line 3: duplicate class name'),
    ('', r'v\.csv: no class names in the file'),
])
def test_csv_errors(tmp_path, rows, match):
    path = _write(tmp_path, 'v.csv', 'id,name,description\n' + rows)
    with pytest.raises(ValueError, match=match):
        load_class_phrasings(path)


def test_missing_file_and_bad_inline(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_class_phrasings(str(tmp_path / 'nope.json'))
    with pytest.raises(ValueError, match='inline class-name list item 1'):
        load_class_phrasings(['a', []])
    with pytest.raises(ValueError, match='inline class-name list is empty'):
        load_class_phrasings([])
    with pytest.raises(TypeError, match='file path or a list'):
        load_class_phrasings(3)


@pytest.mark.parametrize('name', ['classes.txt', 'classes.csv', 'v.json'])
def test_non_utf8_class_files_are_named_by_line(tmp_path, name):
    """A Latin-1 class-name file: the file and the line, and how to
    convert it, instead of a bare UnicodeDecodeError."""
    from mote_mmaction.compat.text_files import TextEncodingError
    body = {'classes.txt': 'archery\ncaf\xe9 dancing\n',
            'classes.csv': 'id,name\n0,archery\n1,caf\xe9 dancing\n',
            'v.json': '["archery",\n "caf\xe9 dancing"]'}[name]
    path = tmp_path / name
    path.write_bytes(body.encode('latin1'))
    line = 3 if name == 'classes.csv' else 2
    with pytest.raises(TextEncodingError,
                       match=rf'{name} line {line} is not UTF-8.*iconv'):
        load_class_phrasings(str(path))
    # with a byte-order mark, UTF-8 reads as before
    path.write_bytes(b'\xef\xbb\xbf' + body.encode('utf-8'))
    assert load_class_names(str(path))[1] == 'caf\xe9 dancing'
