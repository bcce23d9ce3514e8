# Copyright (c) OpenMMLab. All rights reserved.
"""Build Kinetics-400 video lists and class names from the official CSVs.

    python tools/data/kinetics400/build_lists.py data/kinetics400/annotations \
        --out-dir data/kinetics400 \
        --skip-missing 'data/kinetics400/videos_{subset}'

Reads ``train.csv`` and ``val.csv`` (``label,youtube_id,time_start,
time_end,split[,is_cc]``) and writes ``kinetics400_{train,val}_list_
videos.txt`` (``class_dir/{youtube_id}_{start:06d}_{end:06d}.mp4 label``,
labels in sorted label order) and ``kinetics400_class_names.txt``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    find_kinetics_csv, kinetics_classes, kinetics_entries, kinetics_rows,
    write_list, write_names)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build Kinetics-400 video lists and class names from '
        'the official CSVs.')
    parser.add_argument(
        'ann_dir',
        help='directory with the official train.csv and val.csv (also '
        'read: validate.csv, kinetics_{train,val,test}.csv)')
    parser.add_argument(
        '--out-dir', default='data/kinetics400', help='output directory')
    parser.add_argument(
        '--subsets',
        nargs='+',
        default=['train', 'val'],
        choices=['train', 'val', 'test'],
        help='lists to build (test needs a labelled test.csv)')
    parser.add_argument(
        '--skip-missing',
        metavar='ROOT',
        help='drop entries whose video file is not under ROOT and report '
        'the count; `{subset}` in ROOT is replaced by train/val/test, e.g. '
        'data/kinetics400/videos_{subset}')
    parser.add_argument(
        '--keep-parentheses',
        action='store_true',
        help='class directories keep parentheses, hurling_(sport), as after '
        'MMAction2 rename_classnames.sh; by default they are dropped, '
        'hurling_sport, as in the MoTE lists')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        # The class list always comes from train.csv (all 400 classes).
        rows = {
            'train':
            kinetics_rows(find_kinetics_csv(args.ann_dir, 'train'))
        }
        classes = kinetics_classes(rows['train'])
        for subset in args.subsets:
            if subset not in rows:
                csv_file = find_kinetics_csv(args.ann_dir, subset)
                rows[subset] = kinetics_rows(csv_file)
                extra = sorted(
                    set(kinetics_classes(rows[subset])) - set(classes))
                if extra:
                    raise ValueError(f'{csv_file}: labels not in train.csv: '
                                     f'{extra[:10]}')
        outputs = []
        for subset in args.subsets:
            root = args.skip_missing.replace('{subset}', subset) \
                if args.skip_missing else None
            entries, missing = kinetics_entries(
                rows[subset], classes, root, args.keep_parentheses)
            outputs.append((subset, entries, missing, root))
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    if len(classes) != 400:
        print(f'warning: train.csv has {len(classes)} classes, not 400')
    names = osp.join(args.out_dir, 'kinetics400_class_names.txt')
    write_names(names, classes)
    print(f'{len(classes)} classes -> {names}')
    for subset, entries, missing, root in outputs:
        out = osp.join(args.out_dir, f'kinetics400_{subset}_list_videos.txt')
        write_list(out, entries)
        print(f'{subset}: {len(entries)} videos -> {out}' +
              (f' ({missing} missing under {root} skipped)' if root else ''))


if __name__ == '__main__':
    main()
