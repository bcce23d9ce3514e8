# Copyright (c) OpenMMLab. All rights reserved.
"""tools/data/protocols/*: K-shot lists and base-to-novel splits from
small lists the tests write."""
import json

from _inprocess_tools import run_script


def run(tool, *args):
    return run_script(f'tools/data/protocols/{tool}.py', *args)


def ok(tool, *args):
    res = run(tool, *args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def entries(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return [(p, int(c)) for p, c in (ln.rsplit(' ', 1) for ln in lines)]


def write_list(path, per_class):
    """``per_class[c]`` videos of class c, classes interleaved."""
    rows = [(f'c{c}/v{i}.mp4', c) for i in range(max(per_class))
            for c, n in enumerate(per_class) if i < n]
    path.write_text(''.join(f'{p} {c}\n' for p, c in rows))
    return rows


def test_fewshot_lists(tmp_path):
    src = tmp_path / 'train_videos.txt'
    full = write_list(src, [5, 6, 7])
    out = tmp_path / 'fs'
    ok('make_fewshot_lists', src, '--shots', 2, 4, '--seeds', 1, 2,
       '--out-dir', out, '--num-classes', 3)
    draws = {}
    for k in (2, 4):
        for s in (1, 2):
            got = entries(out / f'train_videos_k{k}_seed{s}.txt')
            # K per class, all of them from the list, in the list's order
            assert [c for _, c in got].count(0) == k
            assert sorted(c for _, c in got) == sorted(list(range(3)) * k)
            assert got == [e for e in full if e in set(got)]
            draws[(k, s)] = got
    assert draws[(2, 1)] != draws[(2, 2)]
    meta = json.loads((out / 'fewshot_lists.json').read_text())
    assert meta['source_videos'] == 18 and meta['num_classes'] == 3
    assert meta['files']['k4_seed2'] == 'train_videos_k4_seed2.txt'

    # same seed, same draw; a class's draw does not depend on the others
    again = tmp_path / 'again'
    ok('make_fewshot_lists', src, '--shots', 2, '--seeds', 1,
       '--out-dir', again)
    assert entries(again / 'train_videos_k2_seed1.txt') == draws[(2, 1)]
    fewer = tmp_path / 'two_classes.txt'
    fewer.write_text(''.join(f'{p} {c}\n' for p, c in full if c != 1))
    ok('make_fewshot_lists', fewer, '--shots', 2, '--seeds', 1,
       '--out-dir', again)
    assert entries(again / 'two_classes_k2_seed1.txt') == [
        e for e in draws[(2, 1)] if e[1] != 1
    ]


def test_fewshot_lists_errors(tmp_path):
    src = tmp_path / 'train.txt'
    write_list(src, [5, 3])
    res = run('make_fewshot_lists', src, '--shots', 4, '--out-dir', tmp_path)
    assert res.returncode != 0 and 'Traceback' not in res.stderr
    assert 'fewer than 4 videos' in res.stderr and '{1: 3}' in res.stderr
    res = run('make_fewshot_lists', src, '--num-classes', 5)
    assert res.returncode != 0 and 'expected 5' in res.stderr
    bad = tmp_path / 'bad.txt'
    bad.write_text('a.mp4 0\nb.mp4 x\n')
    res = run('make_fewshot_lists', bad)
    assert res.returncode != 0 and 'bad.txt line 2' in res.stderr


def test_base2novel_split(tmp_path):
    names = tmp_path / 'names.txt'
    names.write_text('alpha\nbeta\ngamma\ndelta\nepsilon\n')
    train, test = tmp_path / 'train.txt', tmp_path / 'test.txt'
    write_list(train, [3, 3, 3, 3, 3])
    full_test = write_list(test, [2, 2, 2, 2, 2])
    out = tmp_path / 'b2n'
    ok('make_base2novel_split', train, test, names, '--name', 'toy',
       '--out-dir', out, '--shots', 2, '--seeds', 1, 2)
    # first half (3 of 5 classes) is base, labels renumbered per half
    assert (out / 'toy_base_classes.txt').read_text().split() == [
        'alpha', 'beta', 'gamma']
    assert (out / 'toy_novel_classes.txt').read_text().split() == [
        'delta', 'epsilon']
    novel = entries(out / 'toy_novel_test.txt')
    assert novel == [(p, c - 3) for p, c in full_test if c >= 3]
    assert entries(out / 'toy_base_test.txt') == [
        e for e in full_test if e[1] < 3]
    for s in (1, 2):
        shots = entries(out / f'toy_base_train_k2_seed{s}.txt')
        assert sorted(c for _, c in shots) == [0, 0, 1, 1, 2, 2]
    meta = json.loads((out / 'toy_base2novel.json').read_text())
    assert meta['base_labels'] == [0, 1, 2]
    assert meta['novel_labels'] == [3, 4]

    # a given base list (e.g. a peer's split)
    base = tmp_path / 'base.txt'
    base.write_text('epsilon\nbeta\n')
    ok('make_base2novel_split', train, test, names, '--name', 'given',
       '--out-dir', out, '--base-classes', base, '--shots', 1)
    assert (out / 'given_base_classes.txt').read_text().split() == [
        'beta', 'epsilon']
    assert entries(out / 'given_novel_test.txt')[0] == ('c0/v0.mp4', 0)
    base.write_text('zeta\n')
    res = run('make_base2novel_split', train, test, names, '--name', 'x',
              '--out-dir', out, '--base-classes', base)
    assert res.returncode != 0 and "['zeta']" in res.stderr
