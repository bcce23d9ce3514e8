# Copyright (c) OpenMMLab. All rights reserved.
"""Plot a training run's loss terms, learning rate and accuracies.

    python tools/analysis/plot_curves.py work_dirs/k400 [--out curves.png]

Reads every ``<timestamp>/vis_data/scalars.json`` of the work dir
(MMEngine's ``LocalVisBackend``), resumed runs joined in order
(``run_scalars.py``; a dotted line marks where each resumed run took
over), and draws three panels: every ``loss*`` term per iteration, every
logged learning rate per iteration, and close-set ``acc/top1`` with the
zero-shot top-1 per set and their HM (``MoTEZeroShotEvalHook``) per val
step. Writes the PNG and, beside it, a JSON of the plotted points. Needs
matplotlib (``pip install "mote_mmaction[plot]"``); MMAction2's
``analyze_logs.py plot_curve`` reads the old text logs, not these.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from plot_tradeoff import import_pyplot  # noqa: E402
from run_scalars import RunScalars, load_run  # noqa: E402

Points = List[List[float]]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='work dir of a training run, or '
                        'one scalars.json')
    parser.add_argument('--out', help='PNG (default: WORK_DIR/curves.png)')
    return parser.parse_args(argv)


def curves(run: RunScalars) -> Dict[str, Dict[str, Points]]:
    """The plotted series: ``{'loss': {key: [[iter, value], ...]}, 'lr':
    {...}, 'accuracy': {key: [[step, percent], ...]}}``."""
    out: Dict[str, Dict[str, Points]] = dict(loss={}, lr={}, accuracy={})
    for row in run.train:
        for key, value in row.items():
            if key.startswith('loss'):
                out['loss'].setdefault(key, []).append([row['step'], value])
            elif key.endswith('lr'):
                out['lr'].setdefault(key, []).append([row['step'], value])
    for row in run.val:
        for key, value in row.items():
            if key == 'acc/top1' or (key.startswith('zeroshot/')
                                     and key != 'zeroshot/tradeoff'):
                out['accuracy'].setdefault(key, []).append(
                    [row['step'], 100.0 * float(value)])
    return out


def accuracy_label(key: str) -> str:
    if key == 'acc/top1':
        return 'close-set top-1'
    if key == 'zeroshot/hm':
        return 'zero-shot HM'
    return 'zero-shot ' + key.split('/')[1]


def val_axis_label(run: RunScalars) -> str:
    """Val lines are logged per epoch when training is epoch-based (its
    training lines then carry ``epoch``)."""
    return 'epoch' if run.train and 'epoch' in run.train[0] else 'iteration'


def plot(run: RunScalars, series: Dict[str, Dict[str, Points]],
         out: str) -> None:
    """Draw the three panels of :func:`curves` into ``out``."""
    plt = import_pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    panels = (('loss', 'loss', 'iteration', run.starts['train']),
              ('lr', 'learning rate', 'iteration', run.starts['train']),
              ('accuracy', 'top-1 (%)', val_axis_label(run),
               run.starts['val']))
    for ax, (name, ylabel, xlabel, starts) in zip(axes, panels):
        for key, points in series[name].items():
            xs, ys = zip(*points)
            label = accuracy_label(key) if name == 'accuracy' else key
            style = '--' if key == 'zeroshot/hm' else '-'
            ax.plot(xs, ys, style, label=label,
                    marker='o' if name == 'accuracy' else None,
                    markersize=3)
        for x in starts:
            ax.axvline(x, color='grey', linestyle=':', linewidth=1)
        if not series[name]:
            ax.text(0.5, 0.5, f'no {name} logged', ha='center',
                    va='center', transform=ax.transAxes, color='grey')
        else:
            ax.legend(fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    if series['lr']:
        axes[1].ticklabel_format(axis='y', style='sci', scilimits=(-2, 2))
    runs = len(run.files)
    fig.suptitle(f'{runs} run{"s" if runs > 1 else ""}'
                 + (' (dotted: a resumed run takes over)' if runs > 1
                    else ''), fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_work_dir(work_dir: str, out: str) -> Dict[str, Dict[str, Points]]:
    """Read ``work_dir``'s runs, write ``out`` (PNG) and its ``.json``;
    returns the plotted series."""
    run = load_run(work_dir)
    series = curves(run)
    if not series['loss'] and not series['accuracy']:
        raise ValueError(f'{", ".join(run.files)}: no loss or accuracy '
                         'logged')
    plot(run, series, out)
    with open(osp.splitext(out)[0] + '.json', 'w', encoding='utf-8') as f:
        json.dump(dict(files=run.files, starts=run.starts, **series), f,
                  indent=2)
    return series


def main(argv=None):
    args = parse_args(argv)
    out = args.out or osp.join(
        args.work_dir if osp.isdir(args.work_dir) else
        osp.dirname(args.work_dir), 'curves.png')
    try:
        series = plot_work_dir(args.work_dir, out)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    names = [k for group in series.values() for k in group]
    print(f'{", ".join(names)} -> {out}')


if __name__ == '__main__':
    main()
