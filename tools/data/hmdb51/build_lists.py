# Copyright (c) OpenMMLab. All rights reserved.
"""Build HMDB51 video lists and class names from the official splits.

    python tools/data/hmdb51/build_lists.py \
        data/hmdb51/testTrainMulti_7030_splits --out-dir data/hmdb51
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                            '..'))

from mote_mmaction.utils.class_names import normalize_class_name  # noqa
from mote_mmaction.utils.dataset_lists import (hmdb51_split,  # noqa: E402
                                               write_list, write_names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('split_dir', help='dir with <class>_test_split<k>.txt')
    parser.add_argument('--out-dir', default='data/hmdb51')
    args = parser.parse_args()
    first = None
    for k in (1, 2, 3):
        classes, train, test = hmdb51_split(args.split_dir, k)
        if first is None:
            first = classes
            names = osp.join(args.out_dir, 'hmdb51_class_names.txt')
            write_names(names, [normalize_class_name(c) for c in classes])
            print(f'{len(classes)} classes -> {names}')
        elif classes != first:
            sys.exit(f'split {k} has other classes than split 1')
        for kind, entries in (('train', train), ('val', test)):
            out = osp.join(args.out_dir, f'hmdb51_{kind}_split_{k}_videos.txt')
            print(f'split {k} {kind}: {write_list(out, entries)} videos '
                  f'-> {out}')


if __name__ == '__main__':
    main()
