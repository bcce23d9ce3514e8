# Copyright (c) OpenMMLab. All rights reserved.
"""Descriptor vocabularies: JSON and ``id,name,description`` CSV formats,
plain files as 1-tuples, and errors naming the file and line/item."""
import json

import pytest

from mote_mmaction.utils.class_descriptions import (has_descriptions,
                                                    load_class_phrasings)
from mote_mmaction.utils.class_names import load_class_names

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
    ('["a", [], "b"]', r'v\.json item 1: empty list'),
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
    ('0,,x\n', r'v\.csv line 2 name: expected a non-empty'),
    ('0,a,x\n2,b,y\n', r'v\.csv: ids must be exactly 0\.\.1.*missing ids '
     r'\[1\]'),
    ('0,a,x\n0,a,x\n', r'v\.csv id 0 \(first on line 2\): phrasing 2'),
    ('0,a,\n1,A,\n', r'v\.csv line 3: duplicate class name'),
    ('', r'v\.csv: no classes'),
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
