# Copyright (c) OpenMMLab. All rights reserved.
"""List the videos of a dataset that cannot be decoded, with the reason.

    python tools/data/check_videos.py \\
        data/kinetics400/kinetics400_val_list_videos.txt \\
        data/kinetics400/videos_val --workers 16 --out bad_val.txt

Every video of the list (``path [label ...]`` lines, as MMAction2's
``VideoDataset`` reads them; ``ROOT`` is its ``data_prefix``) is opened
with ``--decoder`` (decord by default; use the backend of the pipeline's
``MoTEVideoInit``) and ``--num-frames`` evenly spaced frames, first and last
included, are decoded, so missing, empty, truncated and non-video files
are all caught. Checks run in a process pool: a decoder that crashes or
hangs costs one video (reported as such after ``--timeout`` seconds), not
the scan.

The output has one ``path<TAB>reason`` line per bad video; give it to
``MoTEVideoDataset(skip_bad_videos=True, bad_video_list=...)`` to leave
those videos out of an evaluation without checking them again. A summary
by reason is printed. The exit status is 0, or 1 with ``--fail-on-bad``
when a video is bad.
"""
import argparse
import os.path as osp
import sys
import time
from collections import Counter

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from mote_mmaction.datasets.video_check import (  # noqa: E402
    find_bad_videos, write_bad_video_list)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='List the videos of a dataset that cannot be decoded.')
    parser.add_argument('ann_file', help='video list (`path label` lines)')
    parser.add_argument(
        'root',
        help='folder the listed paths are relative '
        'to (the dataset\'s data_prefix)')
    parser.add_argument(
        '--workers',
        type=int,
        default=8,
        help='parallel checking processes (default 8)')
    parser.add_argument(
        '--out',
        default='bad_videos.txt',
        help='where to write `path<TAB>reason` lines '
        '(default bad_videos.txt)')
    parser.add_argument(
        '--delimiter',
        default=' ',
        help='field separator of the list (default space)')
    parser.add_argument(
        '--num-frames',
        type=int,
        default=3,
        help='frames decoded per video (default 3: first, '
        'middle, last)')
    parser.add_argument(
        '--timeout',
        type=float,
        default=120.,
        help='seconds per video before it counts as a '
        'decoder crash/hang (default 120)')
    parser.add_argument(
        '--decoder',
        default='decord',
        choices=['decord', 'torchcodec', 'pyav'],
        help='decoder of the check: the backend of the pipeline\'s '
        'MoTEVideoInit (default decord, as DecordInit)')
    parser.add_argument(
        '--fail-on-bad',
        action='store_true',
        help='exit with status 1 when a video is bad')
    return parser.parse_args(argv)


def read_paths(ann_file: str, root: str, delimiter: str = ' ') -> list:
    """Video paths of a list, joined to ``root``, in list order."""
    with open(ann_file, encoding='utf-8') as f:
        return [
            osp.join(root,
                     line.strip().split(delimiter)[0]) for line in f
            if line.strip()
        ]


def category(reason: str) -> str:
    """The category of a reason: the part before the first colon or
    parenthesis (``missing file``, ``cannot open``, ...)."""
    return reason.split(':')[0].split(' (')[0].strip()


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.ann_file):
        sys.exit(f'annotation file not found: {args.ann_file}')
    if not osp.isdir(args.root):
        sys.exit(f'video folder not found: {args.root}')
    paths = read_paths(args.ann_file, args.root, args.delimiter)
    start = time.time()
    step = max(len(paths) // 20, 500)

    def progress(done, total):
        if done % step == 0 and done < total:
            print(
                f'  {done}/{total} checked ({time.time() - start:.0f} s)',
                flush=True)

    bad = find_bad_videos(
        paths,
        workers=args.workers,
        num_frames=args.num_frames,
        backend='process',
        timeout=args.timeout,
        progress=progress,
        decoder=args.decoder)
    write_bad_video_list(args.out, bad)
    print(f'checked {len(paths)} videos in {time.time() - start:.1f} s: '
          f'{len(bad)} bad, listed in {args.out}')
    for cat, num in Counter(category(r) for _, r in bad).most_common():
        print(f'  {num:6d}  {cat}')
    return 1 if bad and args.fail_on_bad else 0


if __name__ == '__main__':
    sys.exit(main())
