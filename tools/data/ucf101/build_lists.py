# Copyright (c) OpenMMLab. All rights reserved.
"""Build UCF101 video lists and class names from the official split files.

    python tools/data/ucf101/build_lists.py data/ucf101/ucfTrainTestlist \
        --out-dir data/ucf101
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..',
                            '..'))

from mote_mmaction.utils.class_names import normalize_class_name  # noqa
from mote_mmaction.utils.dataset_lists import (ucf101_classes,  # noqa: E402
                                               ucf101_split, write_list,
                                               write_names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_dir', help='dir with classInd.txt, '
                        'trainlist0{1,2,3}.txt, testlist0{1,2,3}.txt')
    parser.add_argument('--out-dir', default='data/ucf101')
    args = parser.parse_args()
    classes = ucf101_classes(osp.join(args.ann_dir, 'classInd.txt'))
    names = osp.join(args.out_dir, 'ucf101_class_names.txt')
    write_names(names, [normalize_class_name(c) for c in classes])
    print(f'{len(classes)} classes -> {names}')
    for k in (1, 2, 3):
        for kind, src in (('train', f'trainlist0{k}.txt'),
                          ('val', f'testlist0{k}.txt')):
            out = osp.join(args.out_dir, f'ucf101_{kind}_split_{k}_videos.txt')
            n = write_list(out, ucf101_split(osp.join(args.ann_dir, src),
                                             classes))
            print(f'split {k} {kind}: {n} videos -> {out}')


if __name__ == '__main__':
    main()
