# Copyright (c) OpenMMLab. All rights reserved.
"""Zero-shot evaluation over all splits of several datasets, one checkpoint.

    python tools/analysis/zeroshot_eval.py CKPT \
        --closeset-top1 81.8 --out zeroshot.json          # ViT-B/16
    python tools/analysis/zeroshot_eval.py CKPT_L14 --arch ViT-L-14 \
        --closeset-top1 86.8 --out zeroshot_l14.json

Prints top-1 mean +- std over the splits per dataset, their harmonic mean
(HMZS) and, with the close-set K400 top-1, the trade-off (harmonic mean of
the two), as in the MoTE paper's Table 4; writes the same as JSON.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Callable, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mote_mmaction  # noqa: E402,F401
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mote_mmaction.engine.hooks.score_check_hook import (  # noqa: E402
    ensure_score_check)
from mote_mmaction.evaluation import (format_summary,  # noqa: E402
                                      zeroshot_summary)
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402

DATASETS = ('ucf101', 'hmdb51', 'k600')
# config-name suffix of each CLIP architecture's zero-shot configs
ARCH_SUFFIX = {'ViT-B-16': '', 'ViT-L-14': '_vit-l14'}


def arch_configs(arch: str) -> list:
    """The zero-shot configs of one architecture, UCF, HMDB, K600."""
    return [f'configs/mote/zeroshot_{d}{ARCH_SUFFIX[arch]}.py'
            for d in DATASETS]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--arch', choices=sorted(ARCH_SUFFIX), default='ViT-B-16',
        help="the checkpoint's CLIP architecture; picks the configs")
    parser.add_argument(
        '--configs', nargs='+',
        help='zero-shot configs (default: the three of --arch)')
    parser.add_argument('--splits', nargs='+', default=['1', '2', '3'])
    parser.add_argument('--closeset-top1', type=float,
                        help='K400 top-1 in percent, for the trade-off')
    parser.add_argument('--work-dir', default='work_dirs/zeroshot_eval')
    parser.add_argument('--out', help='JSON report path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every config')
    return parser.parse_args()


def split_placeholders(cfg: Config) -> bool:
    """Whether the test dataset's paths contain ``{split}`` (the only way a
    ``split`` value changes what is tested, see ``MoTEVideoDataset``)."""
    dataset = dict(cfg.test_dataloader.dataset)
    dataset.pop('pipeline', None)
    return '{split}' in repr(dataset)


def distinct_splits(config: str, splits: Sequence[str],
                    cfg_options=None) -> List[Optional[str]]:
    """The splits of ``config`` that are different tests, each once.

    Repeated names are dropped; a config whose test dataset has no
    ``{split}`` placeholder has one test whatever the split (``[None]``).
    Prints what was found, so a split-less config is never reported as
    several identical splits.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    unique = list(dict.fromkeys(str(s) for s in splits))
    if not split_placeholders(cfg):
        print(f'{config}: its test dataset has no {{split}} placeholder, '
              f'1 distinct split (tested once; {len(unique)} requested)')
        return [None]
    print(f'{config}: {len(unique)} distinct split(s) '
          f'({", ".join(unique)})')
    return unique


def evaluate_split(config: str, checkpoint: str, split: Optional[str],
                   work_dir: str, cfg_options=None,
                   prepare: Optional[Callable[[Config], None]] = None,
                   check: Optional[Callable[[Runner], None]] = None
                   ) -> float:
    """Top-1 (percent) of one split, through MMEngine's test loop.

    Args:
        split: Fills the dataset's ``{split}``; None leaves it unset.
        prepare: Edits the loaded config before the runner is built.
        check: Called with the runner after the test (raise to refuse the
            result).
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if split is not None:
        cfg.test_dataloader.dataset.split = split
    cfg.load_from = checkpoint
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    ensure_score_check(cfg)  # NaN/inf scores stop, naming the videos
    if prepare is not None:
        prepare(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if check is not None:
        check(runner)
    return 100.0 * float(metrics['acc/top1'])


def run(checkpoint, configs, splits, work_dir, closeset_top1=None,
        cfg_options=None, prepare=None, check=None) -> dict:
    """Zero-shot summary over every distinct split of each config (see
    :func:`distinct_splits`); ``prepare``/``check`` as in
    :func:`evaluate_split`."""
    per_dataset = {}
    for config in configs:
        name = osp.splitext(osp.basename(config))[0].replace(
            'zeroshot_', '').replace('_vit-l14', '')
        per_dataset[name] = [
            evaluate_split(
                config, checkpoint, s,
                osp.join(work_dir, name if s is None else f'{name}_split{s}'),
                cfg_options, prepare, check)
            for s in distinct_splits(config, splits, cfg_options)
        ]
    return zeroshot_summary(per_dataset, closeset_top1)


def main():
    args = parse_args()
    configs = args.configs or arch_configs(args.arch)
    summary = run(args.checkpoint, configs, args.splits, args.work_dir,
                  args.closeset_top1, args.cfg_options)
    print(format_summary(summary))
    print(json.dumps(summary, indent=2))
    if args.out:
        atomic_write_text(args.out, json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
