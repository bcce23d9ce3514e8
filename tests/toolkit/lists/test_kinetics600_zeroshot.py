# Copyright (c) OpenMMLab. All rights reserved.
"""Kinetics-600 zero-shot splits (ER-ZASR): class names in any spelling,
the K600-minus-K400 check (renamed K400 classes included), the ER-ZASR
release files and random splits."""
import json
import random

import pytest

from mote_mmaction.toolkit.lists import (K400_RENAMED_IN_K600, er_zasr_splits,
                                         k600_zeroshot_split, name_key,
                                         novel_classes, random_k600_splits,
                                         resolve_names)

K400 = ['abseiling', 'air drumming', 'dying hair']
K600 = ['abseiling', 'air drumming', 'dyeing hair', 'backflip (human)',
        'curling (sport)', 'planing wood', 'zumba']
NOVEL = ['backflip (human)', 'curling (sport)', 'planing wood', 'zumba']


def test_name_key_ignores_case_underscores_and_parentheses():
    keys = {name_key(n) for n in ('backflip_(human)', 'Backflip  human',
                                  'backflip (human)', ' BACKFLIP_HUMAN ')}
    assert keys == {'backflip human'}
    assert name_key('backflip (human)') != name_key('backflip (animal)')


def test_resolve_names_spells_as_the_annotations(tmp_path):
    assert resolve_names(['curling_(sport)', 'Zumba'], K600, 'split.txt') == [
        'curling (sport)', 'zumba'
    ]
    with pytest.raises(ValueError) as info:
        resolve_names(['zumba', 'flying kite', 'salsa'], K600, 'split.txt')
    assert str(info.value) == ("split.txt: 2 class name(s) not in the K600 "
                               "annotations: ['flying kite', 'salsa']")


def test_split_keeps_its_order_in_the_official_spelling():
    """Label i is the split's name i, whatever spelling the file used."""
    assert k600_zeroshot_split(['zumba', 'backflip_(human)', 'Planing Wood'],
                               K600, K400, 'split1.csv', size=3) == [
                                   'zumba', 'backflip (human)', 'planing wood'
                               ]


@pytest.mark.parametrize('names,message', [
    (['abseiling', 'zumba', 'planing wood'],
     "1 class(es) are K400 classes, not zero-shot ones: ['abseiling']"),
    (['dyeing hair', 'zumba', 'planing wood'],
     "not zero-shot ones: ['dyeing hair (K400: dying hair)']"),
    (['zumba', 'planing_wood', 'planing wood'],
     "duplicate classes ['planing wood']"),
    (['zumba', 'planing wood'],
     'a zero-shot split has 3 classes, this file has 2'),
    (['zumba', 'planing wood', 'salsa'], "not in the K600 annotations: "
     "['salsa']"),
])
def test_bad_split_names_the_file(names, message):
    with pytest.raises(ValueError) as info:
        k600_zeroshot_split(names, K600, K400, 'split2.txt', size=3)
    assert str(info.value).startswith('split2.txt: ')
    assert message in str(info.value)


def test_novel_classes_exclude_renamed_k400_classes():
    """``dyeing hair`` is K400's ``dying hair`` under its K600 name."""
    assert K400_RENAMED_IN_K600['dying hair'] == 'dyeing hair'
    assert novel_classes(list(reversed(K600)), K400) == NOVEL


def write_er_zasr(folder, words, splits):
    folder.mkdir(exist_ok=True)
    (folder / 'classes620_label_defn.json').write_text(
        json.dumps([dict(word=w, defn='...') for w in words]))
    (folder / 'tst_class_idxs.json').write_text(json.dumps(splits))
    return str(folder)


def test_er_zasr_splits_index_the_label_definitions(tmp_path):
    words = K400 + NOVEL
    er = write_er_zasr(tmp_path / 'zsl220', words, [[6, 3], [4, 5, 3]])
    assert er_zasr_splits(er) == [['zumba', 'backflip (human)'],
                                  ['curling (sport)', 'planing wood',
                                   'backflip (human)']]
    write_er_zasr(tmp_path / 'zsl220', words, [[3], [0, -1, 7]])
    with pytest.raises(ValueError,
                       match=r'tst_class_idxs.json: split 2 has indices '
                       r'outside 0..6: \[-1, 7\]'):
        er_zasr_splits(er)
    (tmp_path / 'zsl220' / 'classes620_label_defn.json').unlink()
    with pytest.raises(FileNotFoundError,
                       match='ER-ZASR file not found: .*classes620_label'):
        er_zasr_splits(er)


def test_random_splits_are_seeded_sorted_subsets():
    """Same seed, same splits (whatever the global random state); sorted;
    classes distinct within a split."""
    novel = [f'class {i:02d}' for i in range(20)]
    random.seed(1)
    first = random_k600_splits(novel, seed=7, num_splits=3, size=5)
    random.seed(2)
    assert random_k600_splits(list(reversed(novel)), seed=7, num_splits=3,
                              size=5) == first
    assert len(first) == 3
    for split in first:
        assert split == sorted(set(split)) and len(split) == 5
        assert set(split) <= set(novel)
    assert random_k600_splits(novel, seed=8, num_splits=3, size=5) != first
    with pytest.raises(ValueError,
                       match='only 20 K600 classes are not in K400, fewer '
                       'than the split size 21'):
        random_k600_splits(novel, seed=7, size=21)
