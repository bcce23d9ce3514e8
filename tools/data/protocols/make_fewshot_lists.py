# Copyright (c) OpenMMLab. All rights reserved.
"""Draw all-way K-shot training lists (MoTE paper Table 5).

    python tools/data/protocols/make_fewshot_lists.py \
        data/ucf101/ucf101_train_split_1_videos.txt \
        --shots 2 4 8 16 --seeds 1 2 3 --out-dir data/ucf101/fewshot

For every K and seed, K videos of every class are drawn from the full
training list and written as ``<stem>_k{K}_seed{S}.txt`` (same paths and
labels; the full list's order). The draw of a class depends only on the
seed, the class and its videos. A class with fewer than K videos stops the
tool with its label. ``fewshot_lists.json`` records the source list, its
length (the configs repeat the K-shot set to it), K, seeds and the files.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import (  # noqa: E402
    by_class, read_list, sample_k_shot, write_list)
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Draw all-way K-shot training lists from a full list.')
    parser.add_argument('train_list', help='full VideoDataset training list')
    parser.add_argument('--shots', type=int, nargs='+', default=[2, 4, 8, 16])
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument(
        '--num-classes', type=int,
        help='expected number of classes (e.g. 101); checked when given')
    parser.add_argument('--out-dir', help='default: next to the list')
    return parser.parse_args()


def fewshot_name(train_list: str, shots: int, seed: int) -> str:
    """``ucf101_train_split_1_videos.txt`` -> ``ucf101_train_split_1_
    videos_k16_seed1.txt``."""
    stem = osp.splitext(osp.basename(train_list))[0]
    return f'{stem}_k{shots}_seed{seed}.txt'


def main():
    args = parse_args()
    out_dir = args.out_dir or osp.dirname(osp.abspath(args.train_list))
    try:
        entries = read_list(args.train_list)
        labels = sorted(by_class(entries))
        if args.num_classes is not None and len(labels) != args.num_classes:
            raise ValueError(f'{args.train_list}: {len(labels)} classes, '
                             f'expected {args.num_classes}')
        drawn = {(k, s): sample_k_shot(entries, k, s, labels, args.train_list)
                 for k in args.shots for s in args.seeds}
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    files = {}
    for (k, s), subset in drawn.items():
        out = osp.join(out_dir, fewshot_name(args.train_list, k, s))
        n = write_list(out, subset)
        files[f'k{k}_seed{s}'] = osp.basename(out)
        print(f'K={k} seed={s}: {n} videos ({len(labels)} classes) -> {out}')
    meta = dict(source=osp.basename(args.train_list),
                source_videos=len(entries), num_classes=len(labels),
                shots=args.shots, seeds=args.seeds, files=files)
    meta_file = osp.join(out_dir, 'fewshot_lists.json')
    atomic_write_text(meta_file, json.dumps(meta, indent=2))
    print(f'summary -> {meta_file}')


if __name__ == '__main__':
    main()
