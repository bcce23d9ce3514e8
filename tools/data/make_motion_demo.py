# Copyright (c) OpenMMLab. All rights reserved.
"""Write the data and the tiny CLIP of ``configs/mote/demo_tiny_motion.py``.

    python tools/data/make_motion_demo.py            # data/motion_demo
    python tools/train.py configs/mote/demo_tiny_motion.py

Generates the clips (fine-tuning classes: coloured shapes in time-reversal
pairs of motions; held-out classes: other colour-shape pairs) and
pre-trains the tiny CLIP on captioned frames (``tiny_clip.pth``, loaded by
the config's ``pretrained``). Output that matches the arguments already is
re-used; ``--force`` redoes it. See
``mote_mmaction/toolkit/demo/motion_demo.py``.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from mmengine.config import Config  # noqa: E402

from mote_mmaction.models.text.text_encoder import \
    MOTE_TEMPLATES  # noqa: E402
from mote_mmaction.toolkit.demo.motion_demo import (  # noqa: E402
    DEFAULTS, make_motion_demo)

CONFIG = osp.join(
    osp.dirname(osp.abspath(__file__)), '..', '..', 'configs', 'mote',
    'demo_tiny_motion.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/motion_demo')
    parser.add_argument(
        '--config', default=CONFIG,
        help='config whose model.backbone.arch is the tiny CLIP')
    parser.add_argument('--train-videos', type=int,
                        default=DEFAULTS['train_videos'])
    parser.add_argument('--test-videos', type=int,
                        default=DEFAULTS['test_videos'])
    parser.add_argument('--pretrain-steps', type=int,
                        default=DEFAULTS['pretrain_steps'])
    parser.add_argument('--seed', type=int, default=DEFAULTS['seed'])
    parser.add_argument('--force', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    arch = Config.fromfile(args.config).model.backbone.arch.to_dict()
    out = make_motion_demo(
        args.out_dir, arch, train_videos=args.train_videos,
        test_videos=args.test_videos, pretrain_steps=args.pretrain_steps,
        seed=args.seed, templates=MOTE_TEMPLATES, force=args.force,
        log=print)
    clips, pre = out['clips'], out['tiny_clip']['stats']
    print(f'{args.out_dir}: {len(clips["seen"])} fine-tuning classes, '
          f'{len(clips["held_out"])} held-out classes, tiny CLIP '
          f'{osp.join(args.out_dir, "tiny_clip.pth")} (colour-shape top-1 '
          f'{pre["object_top1"]:.2f}, chance {pre["object_chance"]:.2f})'
          f'{", re-used" if out["tiny_clip"]["reused"] else ""}; '
          f'{time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
