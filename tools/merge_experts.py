# Copyright (c) OpenMMLab. All rights reserved.
"""Merge MoTE's temporal experts into one FFN per layer (deploy form).

    python tools/merge_experts.py work_dirs/k400/epoch_30.pth mote_merged.pth

The output loads into the same config with ``model.cls_head.num_experts=1``
(``configs/mote/k400_deploy.py``) and gives the expert model's test
outputs. It is the code ``MoTEMergedExportHook`` runs after training.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mote_mmaction  # noqa: E402,F401
from mote_mmaction.models.deploy import save_merged_checkpoint  # noqa: E402
from mote_mmaction.models.deploy import \
    check_temporal_layers  # noqa: E402
from mote_mmaction.compat.safe_load import (  # noqa: E402
    UntrustedCheckpointError, load_checkpoint_file, trust)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='MoTE checkpoint with experts')
    parser.add_argument('out', help='output file')
    parser.add_argument(
        '--coeffs',
        type=float,
        nargs='+',
        help='merge weights, one per expert (default: uniform)')
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
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        sys.exit(f'checkpoint not found: {args.checkpoint}')
    if osp.isdir(args.out):
        sys.exit(f'{args.out} is a folder; give the output file, e.g. '
                 f'{osp.join(args.out, "mote_merged.pth")}')
    for path in args.trusted_checkpoint:
        trust(path)
    try:
        ckpt = load_checkpoint_file(args.checkpoint)
    except UntrustedCheckpointError as e:
        sys.exit(str(e))
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        sys.exit(f'{args.checkpoint} holds no state dict')
    meta = dict(ckpt.get('meta') or {}) if 'meta' in ckpt else {}
    try:
        check_temporal_layers(state, args.checkpoint)
        n = save_merged_checkpoint(state, args.out, args.coeffs, meta)
    except KeyError as e:
        msg = e.args[0]
        if not msg.startswith(args.checkpoint):
            msg = (f'{args.checkpoint}: {msg} (convert the authors\' files '
                   'with tools/convert_official_ckpt.py first)')
        sys.exit(msg)
    except ValueError as e:
        sys.exit(f'{args.checkpoint}: {e}')
    print(f'merged {n} experts per FFN; written to {args.out}')


if __name__ == '__main__':
    main()
