# Copyright (c) OpenMMLab. All rights reserved.
"""Build the Kinetics-600 zero-shot splits (ER-ZASR protocol): 3 splits of
160 of the 220 K600 classes that are not in K400, on the K600 test set.

    python tools/data/kinetics600_zeroshot/build_lists.py \
        data/kinetics600/annotations/test.csv \
        data/kinetics400/kinetics400_class_names.txt \
        --splits k160_labels_split1.csv k160_labels_split2.csv \
                 k160_labels_split3.csv --out-dir data/kinetics600
    # or random splits (NOT the paper's): --make-splits 0
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                            '..'))

from mote_mmaction.utils.dataset_lists import (  # noqa: E402
    k600_zeroshot_split, kinetics_classes, kinetics_entries, kinetics_rows,
    random_k600_splits, read_name_list, write_list, write_names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('k600_csv', help='official K600 test.csv')
    parser.add_argument('k400_classes',
                        help='K400 class names (txt, id,name csv or the '
                        'official K400 train.csv)')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--splits', nargs=3, metavar='FILE',
                       help='the 3 split class lists (txt or id,name csv)')
    group.add_argument('--make-splits', type=int, metavar='SEED',
                       help='draw 3 random 160-class splits instead')
    parser.add_argument('--out-dir', default='data/kinetics600')
    parser.add_argument('--skip-missing', metavar='ROOT',
                        help='drop entries whose video is not under ROOT')
    parser.add_argument(
        '--drop-parentheses',
        action='store_true',
        help='class dirs without parentheses, e.g. backflip_human; by '
        'default they are kept, as in common K600 copies: backflip_(human)')
    args = parser.parse_args()
    keep = not args.drop_parentheses
    rows = kinetics_rows(args.k600_csv)
    k600 = kinetics_classes(rows)
    if args.k400_classes.endswith('.csv') and 'youtube_id' in open(
            args.k400_classes).readline():
        k400 = kinetics_classes(kinetics_rows(args.k400_classes))
    else:
        k400 = read_name_list(args.k400_classes)
    print(f'K600: {len(k600)} classes, {len(set(k600) - set(k400))} not in '
          'K400')
    if args.splits:
        splits = [k600_zeroshot_split(read_name_list(f), k600, k400, f)
                  for f in args.splits]
    else:
        splits = random_k600_splits(k600, k400, args.make_splits)
    for k, names in enumerate(splits, 1):
        entries, missing = kinetics_entries(rows, names, args.skip_missing,
                                            keep)
        out = osp.join(args.out_dir, f'k600_zeroshot_split_{k}_videos.txt')
        write_list(out, entries)
        write_names(
            osp.join(args.out_dir, f'k600_zeroshot_split_{k}_class_names.txt'),
            names)
        print(f'split {k}: {len(names)} classes, {len(entries)} videos -> '
              f'{out}' + (f' ({missing} missing skipped)'
                          if args.skip_missing else ''))


if __name__ == '__main__':
    main()
