# Copyright (c) OpenMMLab. All rights reserved.
"""Plot close-set top-1, zero-shot top-1 per set and their HM per epoch.

    python tools/analysis/plot_tradeoff.py work_dirs/k400 --out tradeoff.png

Reads every ``<timestamp>/vis_data/scalars.json`` of a training run
(MMEngine's ``LocalVisBackend``), resumed runs joined in order
(``run_scalars.py``): the val lines carry ``acc/top1`` and the
``zeroshot/<name>/top1``, ``zeroshot/hm`` and ``zeroshot/tradeoff`` that
``MoTEZeroShotEvalHook`` logs. Needs matplotlib (``pip install
"mote_mmaction[plot]"``).
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from run_scalars import RunScalars, load_run  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='work dir of a training run, or '
                        'its scalars.json')
    parser.add_argument('--out', help='PNG (default: WORK_DIR/tradeoff.png)')
    parser.add_argument('--main-metric', default='acc/top1')
    return parser.parse_args()


def val_curves(run: RunScalars, main_metric: str = 'acc/top1'
               ) -> Dict[str, List[List[float]]]:
    """``{key: [[epoch, percent], ...]}`` of a run's val lines: the main
    metric and every ``zeroshot/*`` key.

    Raises:
        ValueError: No val line has the main metric.
    """
    curves: Dict[str, List[List[float]]] = {}
    for row in run.val:
        if main_metric not in row:
            continue
        for key, value in row.items():
            if key == main_metric or key.startswith('zeroshot/'):
                curves.setdefault(key, []).append(
                    [row['step'], 100.0 * float(value)])
    if main_metric not in curves:
        raise ValueError(f'{", ".join(run.files)}: no val line with '
                         f'{main_metric!r}')
    return curves


def import_pyplot():
    try:
        import matplotlib
    except ImportError:
        sys.exit('error: plotting needs matplotlib: pip install '
                 '"mote_mmaction[plot]" (or pip install matplotlib)')
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def label(key: str, main_metric: str) -> str:
    if key == main_metric:
        return f'close-set {main_metric}'
    if key == 'zeroshot/hm':
        return 'zero-shot HM'
    if key == 'zeroshot/tradeoff':
        return 'trade-off (HM of close-set and zero-shot HM)'
    return 'zero-shot ' + key.split('/')[1]


def plot(curves, out: str, main_metric: str = 'acc/top1') -> None:
    plt = import_pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, points in curves.items():
        xs, ys = zip(*points)
        style = '--' if key in ('zeroshot/hm', 'zeroshot/tradeoff') else '-'
        ax.plot(xs, ys, style, marker='o', label=label(key, main_metric))
    ax.set_xlabel('epoch')
    ax.set_ylabel('top-1 (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    args = parse_args()
    try:
        run = load_run(args.work_dir)
        curves = val_curves(run, args.main_metric)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    out = args.out or osp.join(
        args.work_dir if osp.isdir(args.work_dir) else
        osp.dirname(args.work_dir), 'tradeoff.png')
    plot(curves, out, args.main_metric)
    with open(osp.splitext(out)[0] + '.json', 'w') as f:
        json.dump(curves, f, indent=2)
    print(f'{", ".join(curves)} from {len(run.files)} run(s) '
          f'({", ".join(run.files)}) -> {out}')


if __name__ == '__main__':
    main()
