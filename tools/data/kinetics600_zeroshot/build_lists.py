# Copyright (c) OpenMMLab. All rights reserved.
"""Build the Kinetics-600 zero-shot lists (ER-ZASR protocol): 3 splits of
160 of the 220 K600 classes that are not in K400, on the K600 test set.

    python tools/data/kinetics600_zeroshot/build_lists.py \
        data/kinetics600/annotations/test.csv \
        data/kinetics400/kinetics400_class_names.txt \
        --splits k160_labels_split1.csv k160_labels_split2.csv \
                 k160_labels_split3.csv --out-dir data/kinetics600
    # or from the ER-ZASR release: --er-zasr \
    #     ElaborativeRehearsal/datasets/Kinetics/zsl220
    # or 3 random splits (NOT the paper's): --make-splits 0

Writes ``k600_zeroshot_split_{k}_videos.txt`` (labels 0..159 in the
split's class order) and ``k600_zeroshot_split_{k}_class_names.txt``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    er_zasr_splits, k600_zeroshot_split, kinetics_classes, kinetics_entries,
    kinetics_rows, novel_classes, random_k600_splits, read_class_list,
    write_list, write_names)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build the Kinetics-600 zero-shot lists (ER-ZASR '
        'protocol).')
    parser.add_argument(
        'k600_csv', help='the official (labelled) K600 '
        'test.csv')
    parser.add_argument(
        'k400_classes',
        help='K400 class names: the txt written by tools/data/kinetics400, '
        'an id,name csv or the official K400 train.csv')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        '--splits',
        nargs='+',
        metavar='FILE',
        help='the split class lists (one name per line, or id,name csv), '
        'e.g. the ER-ZASR / MoTE k160_labels_split{1,2,3}.csv')
    group.add_argument(
        '--er-zasr',
        metavar='DIR',
        help='read the splits from the ER-ZASR release instead: its '
        'datasets/Kinetics/zsl220 directory (classes620_label_defn.json, '
        'tst_class_idxs.json)')
    group.add_argument(
        '--make-splits',
        type=int,
        metavar='SEED',
        help='draw 3 random splits instead (NOT the paper\'s splits)')
    parser.add_argument(
        '--split-size',
        type=int,
        default=160,
        help='classes per split (160 in the protocol)')
    parser.add_argument(
        '--out-dir', default='data/kinetics600', help='output directory')
    parser.add_argument(
        '--skip-missing',
        metavar='ROOT',
        help='drop entries whose video file is not under ROOT and report '
        'the count')
    parser.add_argument(
        '--drop-parentheses',
        action='store_true',
        help='class directories without parentheses (backflip_human); by '
        'default they are kept, backflip_(human), as in the MoTE lists')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        rows = kinetics_rows(args.k600_csv)
        k600 = kinetics_classes(rows)
        k400 = read_class_list(args.k400_classes)
        novel = novel_classes(k600, k400)
        if args.splits or args.er_zasr:
            if args.splits:
                sources = [(read_class_list(f), f) for f in args.splits]
            else:
                sources = [(names, f'{args.er_zasr} test split {k}')
                           for k, names in enumerate(
                               er_zasr_splits(args.er_zasr), 1)]
            splits = [
                k600_zeroshot_split(
                    names, k600, k400, source, size=args.split_size)
                for names, source in sources
            ]
        else:
            splits = random_k600_splits(
                novel, args.make_splits, size=args.split_size)
        outputs = [
            kinetics_entries(rows, names, args.skip_missing,
                             not args.drop_parentheses)
            for names in splits
        ]
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(f'K600: {len(k600)} classes, {len(novel)} not in K400 '
          f'({len(k400)} classes)')
    if len(novel) != 220:
        print(f'warning: the protocol has 220 novel classes, these '
              f'annotations give {len(novel)}')
    if args.make_splits is not None:
        print(f'random splits (seed {args.make_splits}): NOT the ER-ZASR '
              'splits of the paper')
    for k, (names, (entries, missing)) in enumerate(zip(splits, outputs), 1):
        prefix = osp.join(args.out_dir, f'k600_zeroshot_split_{k}')
        write_names(f'{prefix}_class_names.txt', names)
        write_list(f'{prefix}_videos.txt', entries)
        print(f'split {k}: {len(names)} classes, {len(entries)} videos -> '
              f'{prefix}_videos.txt' +
              (f' ({missing} missing under {args.skip_missing} skipped)'
               if args.skip_missing else ''))


if __name__ == '__main__':
    main()
