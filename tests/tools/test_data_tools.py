# Copyright (c) OpenMMLab. All rights reserved.
"""tools/data/*: lists and class names from fake official annotation trees
shaped like the real ones."""
import csv
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(script, *args):
    res = subprocess.run([sys.executable, f'tools/data/{script}', *args],
                         cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    return res


def lines(path):
    return open(path).read().splitlines()


def test_ucf101(tmp_path):
    ann = tmp_path / 'ucfTrainTestlist'
    ann.mkdir()
    (ann / 'classInd.txt').write_text(
        '1 ApplyEyeMakeup\n2 Archery\n3 YoYo\n')
    for k in (1, 2, 3):
        (ann / f'trainlist0{k}.txt').write_text(
            'Archery/v_Archery_g08_c01.avi 2\nYoYo/v_YoYo_g09_c02.avi 3\n')
        (ann / f'testlist0{k}.txt').write_text(
            f'ApplyEyeMakeup/v_ApplyEyeMakeup_g0{k}_c01.avi\n'
            'YoYo/v_YoYo_g01_c01.avi\n')
    out = tmp_path / 'out'
    res = run('ucf101/build_lists.py', str(ann), '--out-dir', str(out))
    assert res.returncode == 0, res.stderr
    assert lines(out / 'ucf101_class_names.txt') == [
        'Apply Eye Makeup', 'Archery', 'Yo Yo']
    assert lines(out / 'ucf101_val_split_2_videos.txt') == [
        'ApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi 0',
        'YoYo/v_YoYo_g01_c01.avi 2'
    ]
    assert lines(out / 'ucf101_train_split_1_videos.txt') == [
        'Archery/v_Archery_g08_c01.avi 1', 'YoYo/v_YoYo_g09_c02.avi 2'
    ]
    (ann / 'testlist01.txt').write_text('Surfing/v_Surfing_g01_c01.avi\n')
    res = run('ucf101/build_lists.py', str(ann), '--out-dir', str(out))
    assert res.returncode != 0
    assert 'testlist01.txt line 1' in res.stderr and 'Surfing' in res.stderr


def test_hmdb51(tmp_path):
    splits = tmp_path / 'testTrainMulti_7030_splits'
    splits.mkdir()
    for k in (1, 2, 3):
        # file names sort differently from class names: climb_stairs_...
        # < climb_test...; labels must follow the class names.
        (splits / f'climb_test_split{k}.txt').write_text(
            f'a_climb_{k}.avi 2\nb_climb.avi 1\nc_climb.avi 0\n')
        (splits / f'climb_stairs_test_split{k}.txt').write_text(
            'x_stairs.avi 2\n')
        (splits / f'brush_hair_test_split{k}.txt').write_text(
            'h.avi 1\nh2.avi 2\n')
    out = tmp_path / 'out'
    res = run('hmdb51/build_lists.py', str(splits), '--out-dir', str(out))
    assert res.returncode == 0, res.stderr
    assert lines(out / 'hmdb51_class_names.txt') == [
        'brush hair', 'climb', 'climb stairs']
    assert lines(out / 'hmdb51_val_split_3_videos.txt') == [
        'brush_hair/h2.avi 0', 'climb/a_climb_3.avi 1',
        'climb_stairs/x_stairs.avi 2'
    ]
    assert lines(out / 'hmdb51_train_split_1_videos.txt') == [
        'brush_hair/h.avi 0', 'climb/b_climb.avi 1'
    ]


def write_kinetics_csv(path, rows):
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['label', 'youtube_id', 'time_start', 'time_end', 'split'])
        w.writerows(rows)


def test_kinetics400(tmp_path):
    ann = tmp_path / 'annotations'
    ann.mkdir()
    rows = [('air drumming', 'abcdefghijk', 4, 14, 'train'),
            ('hurling (sport)', 'ABCDEFGHIJK', 120, 130, 'train'),
            ('abseiling', '-xyzxyzxyzx', 0, 10, 'train')]
    write_kinetics_csv(ann / 'train.csv', rows)
    write_kinetics_csv(ann / 'val.csv', rows[:2])
    videos = tmp_path / 'videos_val'
    (videos / 'air_drumming').mkdir(parents=True)
    (videos / 'air_drumming' / 'abcdefghijk_000004_000014.mp4').write_text('')
    out = tmp_path / 'out'
    res = run('kinetics400/build_lists.py', str(ann), '--out-dir', str(out),
              '--skip-missing-val', str(videos))
    assert res.returncode == 0, res.stderr
    assert lines(out / 'kinetics400_class_names.txt') == [
        'abseiling', 'air drumming', 'hurling (sport)']
    assert lines(out / 'kinetics400_train_list_videos.txt') == [
        'air_drumming/abcdefghijk_000004_000014.mp4 1',
        'hurling_sport/ABCDEFGHIJK_000120_000130.mp4 2',
        'abseiling/-xyzxyzxyzx_000000_000010.mp4 0'
    ]
    assert lines(out / 'kinetics400_val_list_videos.txt') == [
        'air_drumming/abcdefghijk_000004_000014.mp4 1']
    assert '1 missing' in res.stdout


def test_kinetics600_zeroshot(tmp_path):
    k400 = tmp_path / 'k400.txt'
    k400.write_text('abseiling\nair drumming\n')
    novel = [f'novel action {i:03d}' for i in range(170)]
    rows = [(n, f'vid{i:08d}', 0, 10, 'test') for i, n in enumerate(novel)]
    rows += [('abseiling', 'zzzzzzzzzzz', 0, 10, 'test'),
             ('backflip (human)', 'bbbbbbbbbbb', 1, 11, 'test')]
    write_kinetics_csv(tmp_path / 'test.csv', rows)
    split_files = []
    for k in (1, 2, 3):
        names = ['backflip (human)'] + novel[k:k + 159]
        path = tmp_path / f'split{k}.csv'
        path.write_text('id,name\n' + ''.join(
            f'{i},{n}\n' for i, n in enumerate(names)))
        split_files.append(str(path))
    out = tmp_path / 'out'
    res = run('kinetics600_zeroshot/build_lists.py',
              str(tmp_path / 'test.csv'), str(k400), '--splits',
              *split_files, '--out-dir', str(out))
    assert res.returncode == 0, res.stderr
    names = lines(out / 'k600_zeroshot_split_2_class_names.txt')
    assert len(names) == 160 and names[0] == 'backflip (human)'
    videos = lines(out / 'k600_zeroshot_split_2_videos.txt')
    assert len(videos) == 160
    assert videos[-1] == 'backflip_(human)/bbbbbbbbbbb_000001_000011.mp4 0'
    assert not any(v.startswith('abseiling') for v in videos)

    # a split with a K400 class, or of the wrong size, is refused
    bad = tmp_path / 'bad.txt'
    bad.write_text('\n'.join(['abseiling'] + novel[:159]) + '\n')
    res = run('kinetics600_zeroshot/build_lists.py',
              str(tmp_path / 'test.csv'), str(k400), '--splits', str(bad),
              *split_files[1:], '--out-dir', str(out))
    assert res.returncode != 0
    assert 'bad.txt' in res.stderr and "in K400: ['abseiling']" in res.stderr
    bad.write_text('\n'.join(novel[:10]) + '\n')
    res = run('kinetics600_zeroshot/build_lists.py',
              str(tmp_path / 'test.csv'), str(k400), '--splits', str(bad),
              *split_files[1:], '--out-dir', str(out))
    assert res.returncode != 0 and 'got 10 names' in res.stderr

    res = run('kinetics600_zeroshot/build_lists.py',
              str(tmp_path / 'test.csv'), str(k400), '--make-splits', '0',
              '--out-dir', str(tmp_path / 'rand'))
    assert res.returncode == 0, res.stderr
    r1 = lines(tmp_path / 'rand' / 'k600_zeroshot_split_1_class_names.txt')
    assert len(r1) == 160 and 'abseiling' not in r1
