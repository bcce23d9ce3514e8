# Copyright (c) OpenMMLab. All rights reserved.
"""Build UCF101 video lists and class names from the official split files.

    python tools/data/ucf101/build_lists.py data/ucf101/ucfTrainTestlist \
        --out-dir data/ucf101

Reads ``classInd.txt`` (``1 ApplyEyeMakeup``), ``trainlist0{1,2,3}.txt``
(``path label``, 1-based) and ``testlist0{1,2,3}.txt`` (``path``) and
writes ``ucf101_{train,val}_split_{k}_videos.txt`` (0-based labels in
``classInd.txt`` order) and ``ucf101_class_names.txt`` (readable names:
``Apply Eye Makeup``); ``--authors-names`` adds ``ucf101_class_names.csv``
with the MoTE authors' exact strings (``YoYo``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    ucf101_authors_names, ucf101_classes, ucf101_split, write_list,
    write_names, write_names_csv)
from mote_mmaction.vocabulary import normalize_class_name  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build UCF101 video lists and class names from the '
        'official split files.')
    parser.add_argument(
        'ann_dir',
        help='directory with classInd.txt, trainlist0{1,2,3}.txt and '
        'testlist0{1,2,3}.txt (ucfTrainTestlist)')
    parser.add_argument(
        '--out-dir', default='data/ucf101', help='output directory')
    parser.add_argument(
        '--splits',
        type=int,
        nargs='+',
        default=[1, 2, 3],
        choices=[1, 2, 3],
        help='splits to build')
    parser.add_argument(
        '--authors-names',
        action='store_true',
        help='also write ucf101_class_names.csv with the MoTE authors\' '
        'exact strings ("YoYo" where the .txt has "Yo Yo")')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        classes = ucf101_classes(
            osp.join(args.ann_dir, 'classInd.txt'))
        outputs = []
        for k in args.splits:
            for kind, src in (('train', f'trainlist0{k}.txt'),
                              ('val', f'testlist0{k}.txt')):
                entries = ucf101_split(
                    osp.join(args.ann_dir, src), classes)
                out = osp.join(args.out_dir,
                               f'ucf101_{kind}_split_{k}_videos.txt')
                outputs.append((out, entries, f'split {k} {kind}'))
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    names = osp.join(args.out_dir, 'ucf101_class_names.txt')
    write_names(names, [normalize_class_name(c) for c in classes])
    print(f'{len(classes)} classes -> {names}')
    if args.authors_names:
        csv_names = osp.join(args.out_dir, 'ucf101_class_names.csv')
        write_names_csv(csv_names, ucf101_authors_names(classes))
        print(f"the authors' class strings -> {csv_names}")
    for out, entries, what in outputs:
        print(f'{what}: {write_list(out, entries)} videos -> {out}')


if __name__ == '__main__':
    main()
