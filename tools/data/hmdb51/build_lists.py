# Copyright (c) OpenMMLab. All rights reserved.
"""Build HMDB51 video lists and class names from the official splits.

    python tools/data/hmdb51/build_lists.py \
        data/hmdb51/testTrainMulti_7030_splits --out-dir data/hmdb51

Reads ``<class>_test_split{1,2,3}.txt`` (``video.avi 1|2|0``: 1 train,
2 test, 0 unused) and writes ``hmdb51_{train,val}_split_{k}_videos.txt``
(``class/video.avi label``, labels in sorted class-name order) and
``hmdb51_class_names.txt`` (readable names: ``brush hair``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    hmdb51_split, write_list, write_names)
from mote_mmaction.vocabulary import normalize_class_name  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build HMDB51 video lists and class names from the '
        'official split files.')
    parser.add_argument(
        'split_dir',
        help='directory with <class>_test_split{1,2,3}.txt '
        '(testTrainMulti_7030_splits)')
    parser.add_argument(
        '--out-dir', default='data/hmdb51', help='output directory')
    parser.add_argument(
        '--splits',
        type=int,
        nargs='+',
        default=[1, 2, 3],
        choices=[1, 2, 3],
        help='splits to build')
    return parser.parse_args()


def main():
    args = parse_args()
    results = []
    try:
        for k in args.splits:
            classes, train, test = hmdb51_split(args.split_dir, k)
            if results and classes != results[0][1]:
                other = sorted(set(classes) ^ set(results[0][1]))
                raise ValueError(
                    f'split {k} does not have the classes of split '
                    f'{results[0][0]}; differing: {other[:10]}')
            results.append((k, classes, train, test))
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    classes = results[0][1]
    names = osp.join(args.out_dir, 'hmdb51_class_names.txt')
    write_names(names, [normalize_class_name(c) for c in classes])
    print(f'{len(classes)} classes -> {names}')
    for k, _, train, test in results:
        for kind, entries in (('train', train), ('val', test)):
            out = osp.join(args.out_dir, f'hmdb51_{kind}_split_{k}_videos.txt')
            print(
                f'split {k} {kind}: {write_list(out, entries)} videos '
                f'-> {out}')


if __name__ == '__main__':
    main()
