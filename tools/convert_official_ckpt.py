# Copyright (c) OpenMMLab. All rights reserved.
"""Convert the MoTE authors' checkpoints to MMAction2 checkpoints.

    python tools/convert_official_ckpt.py MoTE_B16.pt mote_b16_k400.pth
    python tools/convert_official_ckpt.py MoTE_B16.pt mote_b16_k400_a099.pth \
        --clip data/clip/ViT-B-16.pt --alpha 0.99      # the authors' test
    python tools/convert_official_ckpt.py MoTE_B16.pt mote_b16_deploy.pth \
        --merge                                        # one FFN per layer

The output loads into ``configs/mote/k400.py`` (``--merge``:
``configs/mote/k400_deploy.py``; for L/14 the ``k400_vit-l14`` configs)
with no missing or unexpected keys.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mote_mmaction  # noqa: E402,F401
from mote_mmaction.models.clip_utils import load_clip_state_dict  # noqa
from mote_mmaction.models.official_ckpt import convert_official  # noqa
from mote_mmaction.compat.atomic_io import atomic_torch_save  # noqa: E402
from mote_mmaction.models.deploy import \
    check_temporal_layers  # noqa: E402
from mote_mmaction.compat.safe_load import (  # noqa: E402
    UntrustedCheckpointError, load_checkpoint_file, trust)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="authors' checkpoint (MoTE_B16.pt ...)")
    parser.add_argument('dst', help='output MMAction2 checkpoint')
    parser.add_argument('--clip', help='original CLIP weights for --alpha')
    parser.add_argument(
        '--alpha',
        type=float,
        help='blend alpha*finetuned + (1-alpha)*CLIP (authors test: 0.99)')
    parser.add_argument(
        '--merge',
        action='store_true',
        help='merge experts (deploy form) instead of keeping them')
    parser.add_argument(
        '--trusted-checkpoint',
        action='append',
        default=[],
        metavar='FILE',
        help='allow full unpickling (which can run code) of FILE (a path or '
        'a URL); only for '
        'files you trust (see docs/reliability.md)')
    return parser.parse_args()


def main():
    args = parse_args()
    if '://' not in args.src and not osp.isfile(args.src):
        sys.exit(f'checkpoint not found: {args.src}')
    if (args.alpha is None) != (args.clip is None):
        sys.exit('--alpha and --clip go together')
    for path in args.trusted_checkpoint:
        trust(path)
    try:
        ckpt = load_checkpoint_file(args.src, what="authors' checkpoint")
        clip_state = load_clip_state_dict(args.clip) if args.clip else None
    except UntrustedCheckpointError as e:
        sys.exit(str(e))
    fusion = ckpt.get('fusion_model_state_dict') if isinstance(
        ckpt, dict) else None
    try:
        if isinstance(fusion, dict):  # nothing is written from a partial file
            check_temporal_layers(fusion, args.src)
        state, report, info = convert_official(ckpt, clip_state, args.alpha,
                                               args.merge)
    except (KeyError, ValueError) as e:
        msg = e.args[0] if e.args else repr(e)
        sys.exit(msg if msg.startswith(args.src) else f'{args.src}: {msg}')
    for line in report:
        print(line)
    print(f'-> {len(state)} keys; {info}')
    meta = dict(converted_from=osp.basename(args.src), **info)
    if 'epoch' in ckpt:
        meta['source_epoch'] = ckpt['epoch']
    atomic_torch_save(dict(meta=meta, state_dict=state), args.dst)
    print(f'written to {args.dst}')


if __name__ == '__main__':
    main()
