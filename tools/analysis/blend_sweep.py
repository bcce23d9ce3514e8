# Copyright (c) OpenMMLab. All rights reserved.
"""Close-set and zero-shot accuracy over the weight-space blend with CLIP.

    python tools/analysis/blend_sweep.py CKPT \
        --alphas 1.0 0.99 0.95 0.9 0.8 0.6 --out-dir work_dirs/blend_sweep

For each alpha the checkpoint is tested with ``model.test_cfg.
clip_blend_alpha=alpha`` (``MoTECLIPBlendHook``: ``alpha * theta + (1 -
alpha) * theta_CLIP`` on the visual tower, once after loading) on the
close-set config and on every split of the zero-shot configs. Writes
``blend_sweep.json`` (per alpha: close-set top-1, zero-shot per dataset,
HMZS, trade-off) and ``blend_sweep.png`` (close-set top-1 against
zero-shot HM, one point per alpha; needs matplotlib).
"""
import argparse
import json
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
# the repository (mote_mmaction) and this folder (the sibling tools)
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

import plot_tradeoff  # noqa: E402
import zeroshot_eval  # noqa: E402

from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument('--alphas', type=float, nargs='+',
                        default=[1.0, 0.99, 0.95, 0.9, 0.8, 0.6])
    parser.add_argument('--config', default='configs/mote/k400.py',
                        help='close-set config')
    parser.add_argument('--zeroshot-configs', nargs='+',
                        help='default: the ViT-B/16 UCF, HMDB, K600 ones')
    parser.add_argument('--splits', nargs='+', default=['1', '2', '3'])
    parser.add_argument('--out-dir', default='work_dirs/blend_sweep')
    return parser.parse_args()


def sweep(checkpoint, alphas, config, zeroshot_configs, splits, work_dir):
    """``[{alpha, closeset_top1, datasets, hmzs, tradeoff}]`` per alpha."""
    rows = []
    for alpha in alphas:
        opts = {'model.test_cfg.clip_blend_alpha': float(alpha)}
        tag = osp.join(work_dir, f'alpha{alpha:g}')
        closeset = zeroshot_eval.evaluate_split(
            config, checkpoint, None, osp.join(tag, 'closeset'), opts)
        summary = zeroshot_eval.run(checkpoint, zeroshot_configs, splits,
                                    tag, closeset, opts)
        rows.append(dict(alpha=float(alpha), **summary))
        print(f'alpha={alpha:g}: close-set {closeset:.1f}, zero-shot HM '
              f'{summary["hmzs"]:.1f}, trade-off {summary["tradeoff"]:.1f}')
    return rows


def plot(rows, out):
    plt = plot_tradeoff.import_pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    xs = [r['hmzs'] for r in rows]
    ys = [r['closeset_top1'] for r in rows]
    ax.plot(xs, ys, marker='o')
    for r, x, y in zip(rows, xs, ys):
        ax.annotate(f'{r["alpha"]:g}', (x, y), textcoords='offset points',
                    xytext=(4, 4), fontsize=8)
    ax.set_xlabel('zero-shot HM top-1 (%)')
    ax.set_ylabel('close-set top-1 (%)')
    ax.set_title('blend with CLIP (labels: alpha)')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    args = parse_args()
    bad = [a for a in args.alphas if not 0.0 <= a <= 1.0]
    if bad:
        sys.exit(f'error: alphas must be in [0, 1], got {bad}')
    configs = args.zeroshot_configs or zeroshot_eval.arch_configs(
        'ViT-B-16')
    rows = sweep(args.checkpoint, args.alphas, args.config, configs,
                 args.splits, args.out_dir)
    atomic_write_text(osp.join(args.out_dir, 'blend_sweep.json'),
                      json.dumps(rows, indent=2))
    plot(rows, osp.join(args.out_dir, 'blend_sweep.png'))
    print(f'-> {args.out_dir}/blend_sweep.{{json,png}}')


if __name__ == '__main__':
    main()
