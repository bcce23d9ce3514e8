# Copyright (c) OpenMMLab. All rights reserved.
"""Merge MoTE's temporal experts into one FFN per layer (deploy form).

    python tools/merge_experts.py work_dirs/k400/epoch_30.pth mote_merged.pth

The output loads into the same config with ``model.cls_head.num_experts=1``
(``configs/mote/k400_deploy.py``) and gives the expert model's test
outputs. It is the code ``MoTEMergedExportHook`` runs after training.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mote_mmaction.models.deploy import save_merged_checkpoint  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='MoTE checkpoint with experts')
    parser.add_argument('out', help='output file')
    parser.add_argument(
        '--coeffs',
        type=float,
        nargs='+',
        help='merge weights, one per expert (default: uniform)')
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        sys.exit(f'checkpoint not found: {args.checkpoint}')
    ckpt = torch.load(args.checkpoint, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        sys.exit(f'{args.checkpoint} holds no state dict')
    meta = dict(ckpt.get('meta') or {}) if 'meta' in ckpt else {}
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    try:
        n = save_merged_checkpoint(state, args.out, args.coeffs, meta)
    except KeyError as e:
        sys.exit(f'{args.checkpoint}: {e.args[0]} (convert the authors\' '
                 'files with tools/convert_official_ckpt.py first)')
    print(f'merged {n} experts per FFN; written to {args.out}')

if __name__ == '__main__':
    main()
