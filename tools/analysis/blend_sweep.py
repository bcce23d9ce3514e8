# Copyright (c) OpenMMLab. All rights reserved.
"""Close-set and zero-shot accuracy over the weight-space blend with CLIP.

    python tools/analysis/blend_sweep.py CKPT \
        --alphas 1.0 0.99 0.95 0.9 0.8 0.6 --out-dir work_dirs/blend_sweep

For each alpha the checkpoint is tested with the blend ``alpha * theta +
(1 - alpha) * theta_CLIP`` on the visual tower, applied by this tool (it
puts its own ``MoTECLIPBlendHook`` with that alpha into every config, so
configs without the hook are blended too), on the close-set config and on
every distinct split of the zero-shot configs. A config it cannot blend
(a model without ``blend_with_clip``, no original CLIP file, a checkpoint
blended already) is refused before or at its first test, naming the fix;
no alpha is ever reported for weights that were not blended with it.
Writes ``blend_sweep.json`` (per alpha: close-set top-1, zero-shot per
dataset, HMZS, trade-off) and ``blend_sweep.png`` (close-set top-1 against
zero-shot HM, one point per alpha; needs matplotlib).
"""
import argparse
import json
import os.path as osp
import sys
from typing import Optional

HERE = osp.dirname(osp.abspath(__file__))
# the repository (mote_mmaction) and this folder (the sibling tools)
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

import plot_tradeoff  # noqa: E402
import zeroshot_eval  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402

from mote_mmaction.engine.hooks._utils import unwrap  # noqa: E402

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
    parser.add_argument(
        '--clip-pretrained',
        help="original CLIP file to blend with (default: each config's "
        '`model.backbone.pretrained`)')
    return parser.parse_args()


class BlendError(RuntimeError):
    """A config or checkpoint that the sweep cannot blend."""


def blend_problem(config: str, clip_pretrained: Optional[str]
                  ) -> Optional[str]:
    """Why ``config`` cannot be blended with CLIP (None: it can)."""
    cfg = Config.fromfile(config)
    # registers the MoTE classes (a config's custom_imports is only read
    # when a Runner is built)
    import mote_mmaction  # noqa: F401
    model_type = cfg.model.get('type')
    model_cls = (model_type if isinstance(model_type, type) else
                 MODELS.get(model_type))
    if not hasattr(model_cls, 'blend_with_clip'):
        return (f'{config}: model type {model_type!r} has no '
                '`blend_with_clip`; only MoTERecognizer models (CLIP '
                'visual tower) can be blended: sweep a MoTE config')
    path = clip_pretrained or cfg.model.get('backbone', {}).get('pretrained')
    if path is None:
        return (f'{config}: no original CLIP file to blend with (its '
                '`model.backbone.pretrained` is None); pass '
                '--clip-pretrained PATH')
    if not osp.isfile(path):
        return (f'{config}: the original CLIP file {path!r} does not exist; '
                'pass --clip-pretrained PATH or fix '
                '`model.backbone.pretrained`')
    return None


def blend_steps(alpha: float, clip_pretrained: Optional[str]):
    """``(prepare, check)`` for :func:`zeroshot_eval.evaluate_split`: put
    one ``MoTECLIPBlendHook(alpha)`` into the config (replacing its own,
    if any), then make sure the tested weights carry exactly that blend."""

    def prepare(cfg: Config) -> None:
        hooks = [h for h in cfg.get('custom_hooks', [])
                 if 'MoTECLIPBlendHook' not in str(h.get('type'))]
        hooks.append(dict(type='MoTECLIPBlendHook', alpha=float(alpha),
                          clip_pretrained=clip_pretrained))
        cfg.custom_hooks = hooks

    def check(runner) -> None:
        applied = getattr(unwrap(runner.model), 'clip_blend_applied', None)
        if applied is None or applied != float(alpha):
            raise BlendError(
                f'the weights tested for alpha={alpha:g} carry the blend '
                f'alpha={applied} ({runner.cfg.filename}): the checkpoint '
                'was blended already (its meta records `clip_blend_alpha`, '
                'as tools/convert_official_ckpt.py --alpha writes); sweep '
                'an unblended checkpoint (convert without --alpha)')

    return prepare, check


def sweep(checkpoint, alphas, config, zeroshot_configs, splits, work_dir,
          clip_pretrained=None):
    """``[{alpha, closeset_top1, datasets, hmzs, tradeoff}]`` per alpha.

    Raises:
        BlendError: A config cannot be blended (checked for all of them
            before the first test) or the checkpoint is blended already.
    """
    problems = [p for p in (blend_problem(c, clip_pretrained)
                            for c in [config, *zeroshot_configs]) if p]
    if problems:
        raise BlendError('cannot sweep the CLIP blend:\n  ' +
                         '\n  '.join(problems))
    rows = []
    for alpha in alphas:
        prepare, check = blend_steps(alpha, clip_pretrained)
        tag = osp.join(work_dir, f'alpha{alpha:g}')
        closeset = zeroshot_eval.evaluate_split(
            config, checkpoint, None, osp.join(tag, 'closeset'),
            prepare=prepare, check=check)
        summary = zeroshot_eval.run(checkpoint, zeroshot_configs, splits,
                                    tag, closeset, prepare=prepare,
                                    check=check)
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
    try:
        rows = sweep(args.checkpoint, args.alphas, args.config, configs,
                     args.splits, args.out_dir, args.clip_pretrained)
    except BlendError as e:
        sys.exit(f'error: {e}')
    atomic_write_text(osp.join(args.out_dir, 'blend_sweep.json'),
                      json.dumps(rows, indent=2))
    plot(rows, osp.join(args.out_dir, 'blend_sweep.png'))
    print(f'-> {args.out_dir}/blend_sweep.{{json,png}}')


if __name__ == '__main__':
    main()
