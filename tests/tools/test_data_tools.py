# Copyright (c) OpenMMLab. All rights reserved.
"""tools/data/*: lists and class names from fake official annotation trees
shaped like the real ones (CRLF line ends, label-less test lists, the
``HandstandPushups`` directory of ``v_HandStandPushups`` videos, ...)."""
import csv
import json
import re

import pytest

from _inprocess_tools import run_script


def run(script, *args):
    return run_script(f'tools/data/{script}/build_lists.py', *args)


def ok(script, *args):
    res = run(script, *args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def fails(script, *args):
    res = run(script, *args)
    assert res.returncode != 0, res.stdout
    assert 'Traceback' not in res.stderr, res.stderr
    return res.stderr


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def test_tools_help():
    for script in ('ucf101', 'hmdb51', 'kinetics400', 'kinetics600_zeroshot',
                   'sthv2'):
        assert 'usage:' in ok(script, '--help')


# ---------------------------------------------------------------- UCF101
def crlf(*rows, final_newline=True):
    return '\r\n'.join(rows) + ('\r\n' if final_newline else '')


def ucf_tree(tmp_path):
    ann = tmp_path / 'ucfTrainTestlist'
    ann.mkdir(parents=True)
    (ann / 'classInd.txt').write_bytes(
        crlf('1 ApplyEyeMakeup', '2 Archery', '3 HandstandPushups',
             '4 YoYo').encode())
    for k in (1, 2, 3):
        (ann / f'trainlist0{k}.txt').write_bytes(
            crlf('Archery/v_Archery_g08_c01.avi 2',
                 f'HandstandPushups/v_HandStandPushups_g1{k}_c01.avi 3',
                 'YoYo/v_YoYo_g09_c02.avi 4').encode())
        # official test lists: no label, no final newline
        (ann / f'testlist0{k}.txt').write_bytes(
            crlf(
                f'ApplyEyeMakeup/v_ApplyEyeMakeup_g0{k}_c01.avi',
                'HandstandPushups/v_HandStandPushups_g01_c01.avi',
                'YoYo/v_YoYo_g01_c01.avi',
                final_newline=False).encode())
    return ann


def test_ucf101_authors_names(tmp_path):
    from mote_mmaction.vocabulary import load_class_names
    out = tmp_path / 'out'
    ok('ucf101', ucf_tree(tmp_path), '--out-dir', out, '--authors-names')
    # the .csv is used verbatim by the class-name loader
    assert load_class_names(str(out / 'ucf101_class_names.csv')) == [
        'Apply Eye Makeup', 'Archery', 'Handstand Pushups', 'YoYo'
    ]
    assert lines(out / 'ucf101_class_names.txt')[-1] == 'Yo Yo'


def test_ucf101(tmp_path):
    ann = ucf_tree(tmp_path)
    out = tmp_path / 'out'
    stdout = ok('ucf101', ann, '--out-dir', out)
    assert 'split 2 val: 3 videos' in stdout
    assert lines(out / 'ucf101_class_names.txt') == [
        'Apply Eye Makeup', 'Archery', 'Handstand Pushups', 'Yo Yo'
    ]
    assert lines(out / 'ucf101_val_split_2_videos.txt') == [
        'ApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi 0',
        'HandstandPushups/v_HandStandPushups_g01_c01.avi 2',
        'YoYo/v_YoYo_g01_c01.avi 3'
    ]
    assert lines(out / 'ucf101_train_split_3_videos.txt') == [
        'Archery/v_Archery_g08_c01.avi 1',
        'HandstandPushups/v_HandStandPushups_g13_c01.avi 2',
        'YoYo/v_YoYo_g09_c02.avi 3'
    ]
    assert sorted(
        p.name for p in out.iterdir()) == sorted(['ucf101_class_names.txt'] + [
            f'ucf101_{kind}_split_{k}_videos.txt' for kind in ('train', 'val')
            for k in (1, 2, 3)
        ])


def test_ucf101_errors(tmp_path):
    ann = ucf_tree(tmp_path)
    out = tmp_path / 'out'
    (ann / 'testlist01.txt').write_text('YoYo/a.avi\nSurfing/b.avi\n')
    err = fails('ucf101', ann, '--out-dir', out)
    assert 'testlist01.txt line 2: unknown class' in err and 'Surfing' in err
    assert not out.exists()  # nothing written on errors
    ann = ucf_tree(tmp_path / 'b')
    (ann / 'trainlist02.txt').write_text('YoYo/a.avi 1\n')
    err = fails('ucf101', ann, '--out-dir', out)
    assert 'trainlist02.txt line 1: label 1 does not match' in err
    (ann / 'classInd.txt').write_text('1 A\n3 B\n')
    assert 'ids must be 1..2' in fails('ucf101', ann, '--out-dir', out)
    err = fails('ucf101', tmp_path / 'nowhere', '--out-dir', out)
    assert 'classInd.txt' in err and 'not found' in err


# ---------------------------------------------------------------- HMDB51
def hmdb_tree(tmp_path):
    splits = tmp_path / 'testTrainMulti_7030_splits'
    splits.mkdir()
    for k in (1, 2, 3):
        # file names sort differently from class names (climb_stairs_...
        # < climb_test...): labels follow the class names. Official lines
        # end with a space.
        (splits / f'climb_test_split{k}.txt'
         ).write_text(f'a_climb_{k}.avi 2 \nb_climb.avi 1 \nc_climb.avi 0 \n')
        (splits /
         f'climb_stairs_test_split{k}.txt').write_text('x_stairs.avi 2 \n')
        (splits /
         f'brush_hair_test_split{k}.txt').write_text('h.avi 1 \nh2.avi 2 \n')
    return splits


def test_hmdb51(tmp_path):
    splits = hmdb_tree(tmp_path)
    out = tmp_path / 'out'
    ok('hmdb51', splits, '--out-dir', out)
    assert lines(out / 'hmdb51_class_names.txt') == [
        'brush hair', 'climb', 'climb stairs'
    ]
    assert lines(out / 'hmdb51_val_split_3_videos.txt') == [
        'brush_hair/h2.avi 0', 'climb/a_climb_3.avi 1',
        'climb_stairs/x_stairs.avi 2'
    ]
    assert lines(out / 'hmdb51_train_split_1_videos.txt') == [
        'brush_hair/h.avi 0', 'climb/b_climb.avi 1'
    ]


def test_hmdb51_errors(tmp_path):
    splits = hmdb_tree(tmp_path)
    out = tmp_path / 'out'
    (splits / 'climb_test_split2.txt').write_text('a.avi 3\n')
    err = fails('hmdb51', splits, '--out-dir', out)
    assert 'climb_test_split2.txt line 1: expected `video.avi 0|1|2`' in err
    (splits / 'climb_test_split2.txt').write_text('a.avi 2\n')
    (splits / 'climb_test_split3.txt').unlink()
    err = fails('hmdb51', splits, '--out-dir', out)
    assert 'split 3 does not have the classes of split 1' in err
    assert "['climb']" in err
    err = fails('hmdb51', tmp_path / 'nowhere', '--out-dir', out)
    assert 'split directory not found' in err


# -------------------------------------------------------------- Kinetics
HEADER = ['label', 'youtube_id', 'time_start', 'time_end', 'split']


def write_kinetics_csv(path, rows, is_cc=False):
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(HEADER + (['is_cc'] if is_cc else []))
        w.writerows([list(r) + ([0] if is_cc else []) for r in rows])


K400_ROWS = [('air drumming', 'abcdefghijk', 4, 14, 'train'),
             ('hurling (sport)', 'AB_DEFGHIJK', 120, 130, 'train'),
             ("massaging person's head", 'mmmmmmmmmmm', 7, 17, 'train'),
             ('abseiling', '-xyzxyzxyzx', 0, 10, 'train')]


def test_kinetics400(tmp_path):
    ann = tmp_path / 'annotations'
    ann.mkdir()
    write_kinetics_csv(ann / 'train.csv', K400_ROWS, is_cc=True)
    # the DeepMind archive calls it validate.csv
    write_kinetics_csv(ann / 'validate.csv',
                       [r[:4] + ('val', ) for r in K400_ROWS[:3]])
    videos = tmp_path / 'videos_val' / 'air_drumming'
    videos.mkdir(parents=True)
    (videos / 'abcdefghijk_000004_000014.mp4').write_text('')
    (tmp_path / 'videos_val' / 'hurling_sport').mkdir()
    (tmp_path / 'videos_val' / 'hurling_sport' /
     'AB_DEFGHIJK_000120_000130.mp4').write_text('')
    out = tmp_path / 'out'
    stdout = ok('kinetics400', ann, '--out-dir', out)
    assert lines(out / 'kinetics400_class_names.txt') == [
        'abseiling', 'air drumming', 'hurling (sport)',
        "massaging person's head"
    ]
    # sorted by path, class dirs without spaces and parentheses
    assert lines(out / 'kinetics400_train_list_videos.txt') == [
        'abseiling/-xyzxyzxyzx_000000_000010.mp4 0',
        'air_drumming/abcdefghijk_000004_000014.mp4 1',
        'hurling_sport/AB_DEFGHIJK_000120_000130.mp4 2',
        "massaging_person's_head/mmmmmmmmmmm_000007_000017.mp4 3"
    ]
    assert len(lines(out / 'kinetics400_val_list_videos.txt')) == 3
    assert 'val: 3 videos' in stdout

    stdout = ok('kinetics400', ann, '--out-dir', out, '--subsets', 'val',
                '--skip-missing', tmp_path / 'videos_{subset}',
                '--keep-parentheses')
    assert lines(out / 'kinetics400_val_list_videos.txt') == [
        'air_drumming/abcdefghijk_000004_000014.mp4 1'
    ]
    assert f'(2 missing under {tmp_path}/videos_val skipped)' in stdout

    write_kinetics_csv(ann / 'validate.csv',
                       [('zumba', 'zzzzzzzzzzz', 0, 10, 'val')])
    err = fails('kinetics400', ann, '--out-dir', out)
    assert "validate.csv: labels not in train.csv: ['zumba']" in err
    (ann / 'train.csv').write_text('youtube_id,time_start\n')
    err = fails('kinetics400', ann, '--out-dir', out)
    assert 'train.csv line 1: missing columns' in err


# -------------------------------------------------- K600 zero-shot
K400_NAMES = ['abseiling', 'air drumming', 'dying hair']
NOVEL = [
    'acting in play', 'backflip (human)', 'curling (sport)', 'planing wood',
    'zumba'
]


@pytest.fixture
def k600(tmp_path):
    k400 = tmp_path / 'kinetics400_class_names.txt'
    k400.write_text('\n'.join(K400_NAMES) + '\n')
    rows = [(n, f'v{i}_{n[:3]}', 10 * i, 10 * i + 10, 'test')
            for i, n in enumerate(NOVEL)]
    rows += [
        ('zumba', 'aaaaaaaaaaa', 1, 11, 'test'),
        ('abseiling', 'kkkkkkkkkkk', 0, 10, 'test'),
        # K400's `dying hair` is `dyeing hair` in K600: not novel
        ('dyeing hair', 'ddddddddddd', 0, 10, 'test')
    ]
    test_csv = tmp_path / 'test.csv'
    write_kinetics_csv(test_csv, rows)
    return test_csv, k400


def test_k600_zeroshot(tmp_path, k600):
    test_csv, k400 = k600
    split1 = tmp_path / 'k160_labels_split1.csv'  # the MoTE csv format
    split1.write_text('id,name\n1,zumba\n0,backflip (human)\n2,planing wood\n')
    split2 = tmp_path / 'split2.txt'  # names as class dirs
    split2.write_text('acting_in_play\nbackflip_(human)\ncurling_(sport)\n')
    split3 = tmp_path / 'split3.txt'
    split3.write_text('curling (sport)\nzumba\nacting in play\n')
    out = tmp_path / 'out'
    stdout = ok('kinetics600_zeroshot', test_csv, k400, '--splits', split1,
                split2, split3, '--split-size', 3, '--out-dir', out)
    assert 'K600: 7 classes, 5 not in K400 (3 classes)' in stdout
    assert lines(out / 'k600_zeroshot_split_1_class_names.txt') == [
        'backflip (human)', 'zumba', 'planing wood'
    ]
    assert lines(out / 'k600_zeroshot_split_1_videos.txt') == [
        'backflip_(human)/v1_bac_000010_000020.mp4 0',
        'planing_wood/v3_pla_000030_000040.mp4 2',
        'zumba/aaaaaaaaaaa_000001_000011.mp4 1',
        'zumba/v4_zum_000040_000050.mp4 1'
    ]
    # names in the official spelling, whatever the split file used
    assert lines(out / 'k600_zeroshot_split_2_class_names.txt') == [
        'acting in play', 'backflip (human)', 'curling (sport)'
    ]
    assert lines(out / 'k600_zeroshot_split_3_videos.txt') == [
        'acting_in_play/v0_act_000000_000010.mp4 2',
        'curling_(sport)/v2_cur_000020_000030.mp4 0',
        'zumba/aaaaaaaaaaa_000001_000011.mp4 1',
        'zumba/v4_zum_000040_000050.mp4 1'
    ]
    # --drop-parentheses and --skip-missing
    (tmp_path / 'videos' / 'backflip_human').mkdir(parents=True)
    (tmp_path / 'videos' / 'backflip_human' /
     'v1_bac_000010_000020.mp4').write_text('')
    stdout = ok('kinetics600_zeroshot', test_csv, k400, '--splits', split1,
                '--split-size', 3, '--out-dir', out, '--drop-parentheses',
                '--skip-missing', tmp_path / 'videos')
    assert lines(out / 'k600_zeroshot_split_1_videos.txt') == [
        'backflip_human/v1_bac_000010_000020.mp4 0'
    ]
    assert '(3 missing under' in stdout


@pytest.mark.parametrize('names,match', [
    (['abseiling', 'zumba', 'planing wood'],
     r"1 class\(es\) are K400 classes, not zero-shot ones: \['abseiling'\]"),
    (['dyeing hair', 'zumba', 'planing wood'
      ], r'dyeing hair \(K400: dying hair\)'),
    (['flying kite', 'zumba', 'planing wood'
      ], r"not in the K600 annotations: \['flying kite'\]"),
    (['zumba', 'planing wood'], 'a zero-shot split has 3 classes, this file '
     'has 2'),
    (['zumba', 'planing_wood', 'planing wood'
      ], r"duplicate classes \['planing wood'\]"),
])
def test_k600_zeroshot_bad_split(tmp_path, k600, names, match):
    test_csv, k400 = k600
    bad = tmp_path / 'bad_split.txt'
    bad.write_text('\n'.join(names) + '\n')
    err = fails('kinetics600_zeroshot', test_csv, k400, '--splits', bad,
                '--split-size', 3, '--out-dir', tmp_path / 'out')
    assert 'bad_split.txt' in err
    assert re.search(match, err), err


def test_k600_zeroshot_default_size_and_k400_csv(tmp_path, k600):
    test_csv, _ = k600
    # the official K400 train.csv also gives the K400 classes
    k400_csv = tmp_path / 'train.csv'
    write_kinetics_csv(k400_csv,
                       [(n, 'x', 0, 10, 'train') for n in K400_NAMES])
    split = tmp_path / 'split.txt'
    split.write_text('zumba\nplaning wood\nacting in play\n')
    err = fails('kinetics600_zeroshot', test_csv, k400_csv, '--splits', split,
                '--out-dir', tmp_path / 'out')
    assert 'a zero-shot split has 160 classes, this file has 3' in err


def test_k600_zeroshot_random_and_er_zasr(tmp_path, k600):
    test_csv, k400 = k600
    args = (test_csv, k400, '--split-size', 3)
    stdout = ok('kinetics600_zeroshot', *args, '--make-splits', 7, '--out-dir',
                tmp_path / 'r1')
    assert 'NOT the ER-ZASR splits' in stdout
    ok('kinetics600_zeroshot', *args, '--make-splits', 7, '--out-dir',
       tmp_path / 'r2')
    for k in (1, 2, 3):
        names = lines(tmp_path / 'r1' /
                      f'k600_zeroshot_split_{k}_class_names.txt')
        assert len(names) == 3 and names == sorted(names)
        assert set(names) <= set(NOVEL)
        assert names == lines(tmp_path / 'r2' /
                              f'k600_zeroshot_split_{k}_class_names.txt')
    err = fails('kinetics600_zeroshot', test_csv, k400, '--make-splits', 0,
                '--out-dir', tmp_path / 'r3')
    assert 'only 5 K600 classes are not in K400' in err

    # the ER-ZASR release: 400 K400 + novel names, split indices
    er = tmp_path / 'zsl220'
    er.mkdir()
    words = K400_NAMES + NOVEL
    (er / 'classes620_label_defn.json').write_text(
        json.dumps([{
            'word': w,
            'defn': '...'
        } for w in words]))
    (er / 'tst_class_idxs.json').write_text(
        json.dumps([[3, 4, 6], [4, 5, 7], [3, 5, 7]]))
    ok('kinetics600_zeroshot', *args, '--er-zasr', er, '--out-dir',
       tmp_path / 'er')
    assert lines(tmp_path / 'er' / 'k600_zeroshot_split_2_class_names.txt') \
        == ['backflip (human)', 'curling (sport)', 'zumba']
    (er / 'tst_class_idxs.json').write_text(json.dumps([[3, 4, 99]]))
    err = fails('kinetics600_zeroshot', *args, '--er-zasr', er, '--out-dir',
                tmp_path / 'er')
    assert 'split 1 has indices outside 0..7: [99]' in err
