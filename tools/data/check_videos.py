# Copyright (c) OpenMMLab. All rights reserved.
"""List the videos of a dataset that cannot be decoded, with the reason.

    python tools/data/check_videos.py data/kinetics400/kinetics400_val_list_videos.txt \
        data/kinetics400/videos_val --workers 16 --out bad_val.txt

Each video is opened with decord and its first, middle and last frames
are decoded (truncated files fail there). The output has one
``path<TAB>reason`` line per bad video; the exit status is 0 either way.
"""
import argparse
import os.path as osp
import sys
import time
from multiprocessing import Pool

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from mote_mmaction.datasets.video_check import check_video  # noqa: E402


def _check(path):
    return path, check_video(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file', help='video list (`path label` lines)')
    parser.add_argument('root', help='directory the paths are relative to')
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--out', default='bad_videos.txt')
    parser.add_argument('--delimiter', default=' ')
    args = parser.parse_args()
    if not osp.isfile(args.ann_file):
        sys.exit(f'annotation file not found: {args.ann_file}')
    with open(args.ann_file) as f:
        paths = [osp.join(args.root, ln.strip().split(args.delimiter)[0])
                 for ln in f if ln.strip()]
    start = time.time()
    bad = []
    with Pool(max(args.workers, 1)) as pool:
        for path, reason in pool.imap(_check, paths, chunksize=4):
            if reason is not None:
                bad.append((path, reason))
    with open(args.out, 'w') as f:
        f.writelines(f'{p}\t{r}\n' for p, r in bad)
    print(f'checked {len(paths)} videos in {time.time() - start:.1f} s: '
          f'{len(bad)} bad, listed in {args.out}')


if __name__ == '__main__':
    main()
