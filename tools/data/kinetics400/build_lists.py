# Copyright (c) OpenMMLab. All rights reserved.
"""Build Kinetics-400 video lists and class names from the official CSVs.

    python tools/data/kinetics400/build_lists.py data/kinetics400/annotations \
        --out-dir data/kinetics400 \
        --skip-missing-train data/kinetics400/videos_train \
        --skip-missing-val data/kinetics400/videos_val
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                            '..'))

from mote_mmaction.utils.dataset_lists import (kinetics_classes,  # noqa
                                               kinetics_entries,
                                               kinetics_rows, write_list,
                                               write_names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_dir', help='dir with train.csv and val.csv')
    parser.add_argument('--out-dir', default='data/kinetics400')
    parser.add_argument('--skip-missing-train', metavar='ROOT',
                        help='drop train entries whose video is not here')
    parser.add_argument('--skip-missing-val', metavar='ROOT',
                        help='drop val entries whose video is not here')
    parser.add_argument(
        '--keep-parentheses',
        action='store_true',
        help='class dirs keep parentheses, e.g. hurling_(sport); by default '
        'they are dropped, as by MMAction2 rename_classnames.sh')
    args = parser.parse_args()
    keep = args.keep_parentheses
    train_rows = kinetics_rows(osp.join(args.ann_dir, 'train.csv'))
    classes = kinetics_classes(train_rows)
    names = osp.join(args.out_dir, 'kinetics400_class_names.txt')
    write_names(names, classes)
    print(f'{len(classes)} classes -> {names}')
    for kind, rows, root in (
            ('train', train_rows, args.skip_missing_train),
            ('val', kinetics_rows(osp.join(args.ann_dir, 'val.csv')),
             args.skip_missing_val)):
        entries, missing = kinetics_entries(rows, classes, root, keep)
        out = osp.join(args.out_dir, f'kinetics400_{kind}_list_videos.txt')
        write_list(out, entries)
        print(f'{kind}: {len(entries)} videos -> {out}'
              + (f' ({missing} missing under {root} skipped)' if root else ''))


if __name__ == '__main__':
    main()
