# Copyright (c) OpenMMLab. All rights reserved.
"""Base-to-novel split (as in ViFi-CLIP / FROSTER): classes in two halves,
K-shot training lists on the base half for several seeds, test lists of
each half.

    python tools/data/protocols/make_base2novel_split.py \
        data/ucf101/ucf101_train_split_1_videos.txt \
        data/ucf101/ucf101_val_split_1_videos.txt \
        data/ucf101/ucf101_class_names.txt \
        --name ucf101 --out-dir data/ucf101/base2novel

Writes to ``--out-dir``, labels renumbered within each half (label i of a
half = line i of its class file):

* ``{name}_{base,novel}_classes.txt``: the class names of each half;
* ``{name}_base_train_k{K}_seed{S}.txt``: K videos of every base class;
* ``{name}_{base,novel}_test.txt``: the test videos of each half;
* ``{name}_base2novel.json``: the original labels of each half, K, seeds.

The halves are the first and second half of the classes in label order
(``--split first-half``), a seeded random half (``--split random``), or the
base classes named in a file (``--base-classes``, e.g. a peer's split, so
its numbers compare).
"""
import argparse
import json
import os.path as osp
import random
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    read_list, sample_k_shot, write_list, write_names)
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402
from mote_mmaction.vocabulary import load_class_names  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Split classes into base and novel halves and draw '
        'K-shot base training lists.')
    parser.add_argument('train_list', help='full training list')
    parser.add_argument('test_list', help='full test (val) list')
    parser.add_argument('class_names', help='class-name file of the lists')
    parser.add_argument('--name', required=True,
                        help='file-name prefix, e.g. ucf101')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--split', choices=['first-half', 'random'],
                        default='first-half',
                        help='how to halve the classes (ignored with '
                        '--base-classes)')
    parser.add_argument('--split-seed', type=int, default=0,
                        help='seed of --split random')
    parser.add_argument('--base-classes',
                        help='class-name file of the base classes (names '
                        'as in CLASS_NAMES); the rest are novel')
    parser.add_argument('--shots', type=int, default=16)
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    return parser.parse_args()


def split_classes(names, mode='first-half', seed=0, base_names=None,
                  source='--base-classes'):
    """Original labels of the base and novel halves, each sorted.

    Args:
        names (list[str]): All class names, label order.
        mode (str): ``'first-half'`` or ``'random'``.
        seed (int): Seed of ``'random'``.
        base_names (list[str], optional): Names of the base classes.
        source (str): Where ``base_names`` come from, for errors.

    Returns:
        tuple[list[int], list[int]]: ``(base, novel)`` labels.
    """
    num = len(names)
    if base_names is not None:
        index = {n: i for i, n in enumerate(names)}
        unknown = [n for n in base_names if n not in index]
        if unknown:
            raise ValueError(f'{source}: {len(unknown)} name(s) not in the '
                             f'class-name file: {unknown[:10]}')
        base = sorted({index[n] for n in base_names})
    elif mode == 'first-half':
        base = list(range((num + 1) // 2))
    elif mode == 'random':
        base = sorted(random.Random(seed).sample(range(num), (num + 1) // 2))
    else:
        raise ValueError(f'unknown split mode {mode!r}')
    novel = [c for c in range(num) if c not in set(base)]
    if not base or not novel:
        raise ValueError('base and novel halves must both be non-empty')
    return base, novel


def relabel(entries, labels):
    """Entries of the classes ``labels``, renumbered to their position."""
    new = {c: i for i, c in enumerate(labels)}
    return [(p, new[c]) for p, c in entries if c in new]


def main():
    args = parse_args()
    try:
        names = load_class_names(args.class_names, normalize=False)
        train = read_list(args.train_list)
        test = read_list(args.test_list)
        for path, entries in ((args.train_list, train),
                              (args.test_list, test)):
            bad = sorted({c for _, c in entries if not 0 <= c < len(names)})
            if bad:
                raise ValueError(f'{path}: labels {bad[:10]} outside the '
                                 f'{len(names)} classes of '
                                 f'{args.class_names}')
        base_names = (load_class_names(args.base_classes, normalize=False)
                      if args.base_classes else None)
        base, novel = split_classes(names, args.split, args.split_seed,
                                    base_names, args.base_classes)
        shots = {
            s: relabel(sample_k_shot(train, args.shots, s, base,
                                     args.train_list), base)
            for s in args.seeds
        }
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    out = args.out_dir
    prefix = osp.join(out, args.name)
    for half, labels in (('base', base), ('novel', novel)):
        write_names(f'{prefix}_{half}_classes.txt',
                    [names[c] for c in labels])
        n = write_list(f'{prefix}_{half}_test.txt',
                       relabel(test, labels))
        print(f'{half}: {len(labels)} classes, {n} test videos')
    for s, entries in shots.items():
        path = f'{prefix}_base_train_k{args.shots}_seed{s}.txt'
        print(f'seed {s}: {write_list(path, entries)} base training '
              f'videos -> {path}')
    meta = dict(name=args.name, class_names=osp.basename(args.class_names),
                split=('file' if args.base_classes else args.split),
                split_seed=args.split_seed, base_labels=base,
                novel_labels=novel, shots=args.shots, seeds=args.seeds)
    atomic_write_text(f'{prefix}_base2novel.json', json.dumps(meta, indent=2))


if __name__ == '__main__':
    main()
