# Copyright (c) OpenMMLab. All rights reserved.
"""The embedded default: MoTE's point in miniature, on the CPU.

    python tools/run_embedded_default.py

1. generates the clips and pre-trains a tiny CLIP on captioned frames
   (``mote_mmaction.toolkit.demo.motion_demo``, cached under ``--data-root``);
2. tests (a) the tiny CLIP itself, frame embeddings mean-pooled, no
   fine-tuning;
3. fine-tunes and tests (b) a plain temporal transformer (one FFN per
   layer, no weight-merging regularisation, no TFM);
4. fine-tunes (c) MoTE (``configs/mote/demo_tiny_motion.py``: 4 experts,
   WMR, MSE), merges its experts into one FFN and tests the merged model
   with TFM;
5. prints close-set top-1 (fine-tuning classes, new clips), zero-shot
   top-1 (held-out classes, named only) and their harmonic mean for the
   three, and writes them to ``<work-dir>/summary.json``;
6. draws, next to it, ``tradeoff.png`` (close-set and zero-shot top-1
   per epoch of (b) and (c), from their every-epoch validation) and
   ``curves_plain.png`` / ``curves_mote.png`` (losses, learning rate,
   accuracies: ``tools/analysis/plot_curves.py``), when matplotlib is
   installed.

Every test uses the config's test views (2 clips x 3 crops). MMEngine's
logs go to ``<work-dir>`` only; the console shows one line per phase.
"""
import argparse
import contextlib
import copy
import importlib.util
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [REPO, osp.join(REPO, 'tools', 'analysis')]

import mote_mmaction  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mote_mmaction.evaluation.zeroshot_report import \
    harmonic_mean  # noqa: E402
from mote_mmaction.models.text.text_encoder import \
    MOTE_TEMPLATES  # noqa: E402
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402
from mote_mmaction.toolkit.demo.motion_demo import (  # noqa: E402
    DEFAULTS, HELD_OUT_CLASSES, SEEN_CLASSES, make_clips, make_tiny_clip)

CONFIG = osp.join(REPO, 'configs', 'mote', 'demo_tiny_motion.py')
CONFIG_ROOT = 'data/motion_demo'
ROWS = (('clip', '(a) tiny CLIP, mean pooling, no fine-tuning'),
        ('plain', '(b) plain temporal transformer, fine-tuned'),
        ('mote', '(c) MoTE, experts merged, TFM'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/embedded_default')
    parser.add_argument('--data-root', default=CONFIG_ROOT)
    parser.add_argument('--epochs', type=int, default=None,
                        help='fine-tuning epochs (default: the config\'s)')
    parser.add_argument('--train-videos', type=int,
                        default=DEFAULTS['train_videos'],
                        help='training clips per fine-tuning class')
    parser.add_argument('--test-videos', type=int,
                        default=DEFAULTS['test_videos'],
                        help='test clips per class')
    parser.add_argument('--pretrain-steps', type=int,
                        default=DEFAULTS['pretrain_steps'])
    parser.add_argument('--only', nargs='+', choices=[r[0] for r in ROWS],
                        default=[r[0] for r in ROWS],
                        help='rows of the table to compute')
    parser.add_argument('--force', action='store_true',
                        help='regenerate the data and the tiny CLIP')
    return parser.parse_args(argv)


class Progress:
    """One console line per phase, with the time since the start."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.cpu0 = time.process_time()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def cpu_seconds(self) -> float:
        """CPU time of this process and its finished dataloader workers."""
        import resource
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() - self.cpu0 + kids.ru_utime + \
            kids.ru_stime

    @contextlib.contextmanager
    def phase(self, name: str):
        t0 = self.elapsed()
        print(f'[{t0:6.1f} s] {name} ...', end='', flush=True)
        note = {}
        yield note
        extra = f' {note["text"]}' if 'text' in note else ''
        print(f' {self.elapsed() - t0:.1f} s{extra}', flush=True)


def reroot(node, old: str, new: str):
    """Replace the ``old`` path prefix by ``new`` in every config string."""
    if isinstance(node, str):
        return new + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        for k in list(node):
            node[k] = reroot(node[k], old, new)
        return node
    if isinstance(node, list):
        return [reroot(v, old, new) for v in node]
    return node


def load_cfg(args) -> Config:
    cfg = Config.fromfile(CONFIG)
    if args.data_root != CONFIG_ROOT:
        cfg = Config(reroot(cfg.to_dict(), CONFIG_ROOT, args.data_root))
    cfg.launcher = 'none'
    if args.epochs is not None:
        set_epochs(cfg, args.epochs)
    return cfg


def set_epochs(cfg: Config, epochs: int) -> None:
    """Shorten or lengthen the schedule, keeping its shape."""
    cfg.train_cfg.max_epochs = epochs
    warmup, cosine = cfg.param_scheduler
    if epochs < 2:  # too short for a warm-up epoch
        cfg.param_scheduler = [cosine]
        cosine.update(begin=0, end=epochs, T_max=epochs)
    else:
        cosine.update(end=epochs, T_max=epochs - warmup.end)
    cfg.default_hooks.checkpoint.interval = epochs


def quiet(log):
    """Send MMEngine's console output (banner, config, tables) to ``log``,
    an open file that stays open for the run (loggers keep the stream)."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(log))
    stack.enter_context(contextlib.redirect_stderr(log))
    return stack


def plain_cfg(cfg: Config) -> Config:
    """(b): one FFN per layer, cross-entropy only, no TFM, no export."""
    cfg = copy.deepcopy(cfg)
    head = cfg.model.cls_head
    head.update(num_experts=1, loss_mse=None, tfm=None,
                loss_wmr=dict(type='CrossEntropyLoss', loss_weight=0.0))
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'MoTEMergedExportHook']
    return cfg


def clip_checkpoint(cfg: Config, path: str) -> Config:
    """(a): the tiny CLIP as a MoTE model that mean-pools frames.

    With no temporal layers and zero frame positions the temporal module
    returns its input, so the head scores ``mean_t(e + rho * e)``, the
    direction of CLIP's mean-pooled frames, whatever ``rho``.
    """
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = copy.deepcopy(cfg)
    cfg.model.cls_head.num_layers = 0
    # built outside a runner: the training dataset's names, as
    # MoTEVocabularyHook would give them
    cfg.model.cls_head.class_names = cfg.train_dataloader.dataset.class_names
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        model.cls_head.temporal.frame_position_embeddings.weight.zero_()
    model.cls_head.train_table()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    cfg.load_from = path
    return cfg


def test(cfg: Config, split: str, work_dir: str, log) -> float:
    """Top-1 of ``cfg``'s model (``load_from``) on ``split``."""
    cfg = copy.deepcopy(cfg)
    loader = cfg.test_dataloader
    classes = 'zeroshot' if split == 'zeroshot' else 'train'
    ds = loader.dataset
    ds.ann_file = osp.join(osp.dirname(ds.ann_file), f'{split}.txt')
    ds.class_names = osp.join(
        osp.dirname(ds.class_names), f'{classes}_classes.txt')
    cfg.work_dir = work_dir
    cfg.experiment_name = f'test_{split}'
    cfg.custom_hooks = [dict(type='MoTEVocabularyHook')]
    with quiet(log):
        metrics = Runner.from_cfg(cfg).test()
    return float(metrics['acc/top1'])


def train(cfg: Config, work_dir: str, log) -> Runner:
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.experiment_name = 'train'
    with quiet(log):
        runner = Runner.from_cfg(cfg)
        runner.train()
    return runner


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def plot_runs(work: str, keys) -> list:
    """The PNGs next to ``summary.json``: per trained model its curves
    (``plot_curves.py``), and the per-epoch close-set and zero-shot top-1
    of all of them in one ``tradeoff.png``. Returns the files written."""
    import plot_curves
    import plot_tradeoff
    from run_scalars import load_run
    names = dict(ROWS)
    written, series = [], {}
    for key in keys:
        png = osp.join(work, f'curves_{key}.png')
        plot_curves.plot_work_dir(osp.join(work, key), png)
        written.append(png)
        series[key] = plot_tradeoff.val_curves(load_run(osp.join(work, key)))
    plt = plot_tradeoff.import_pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, key in enumerate(keys):
        colour = f'C{i}'
        for metric, style, what in (('acc/top1', '-', 'close-set'),
                                    ('zeroshot/hm', '--', 'zero-shot')):
            xs, ys = zip(*series[key][metric])
            ax.plot(xs, ys, style, color=colour, marker='o', markersize=3,
                    label=f'{names[key][4:].split(",")[0]}: {what}')
    ax.set_xlabel('epoch')
    ax.set_ylabel('top-1 (%)')
    ax.set_title('fine-tuning: close-set gained, zero-shot kept?',
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    png = osp.join(work, 'tradeoff.png')
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return written + [png]


def print_table(results: dict, chance: dict) -> None:
    print(f'\n{"":46s} close-set  zero-shot     HM')
    for key, name in ROWS:
        if key in results:
            r = results[key]
            print(f'{name:46s} {r["closeset"]:9.3f} {r["zeroshot"]:10.3f} '
                  f'{r["hm"]:6.3f}')
    print(f'{"chance":46s} {chance["closeset"]:9.3f} '
          f'{chance["zeroshot"]:10.3f}')


def main(argv=None):
    args = parse_args(argv)
    progress = Progress()
    work = args.work_dir
    os.makedirs(work, exist_ok=True)
    log = open(osp.join(work, 'console.log'), 'a')
    with quiet(log):  # the current logger until the first Runner's
        MMLogger.get_instance('embedded_default', log_level='INFO')
    cfg = load_cfg(args)
    print(f'MoTE embedded default: logs in {work}/')

    with progress.phase('generating clips') as note:
        clips = make_clips(args.data_root, args.train_videos,
                           args.test_videos, force=args.force)
        note['text'] = f'{clips["num_clips"]} clips' + (
            ' (re-used)' if clips['reused'] else '')
    with progress.phase('pre-training tiny CLIP') as note:
        with quiet(log):
            clip = make_tiny_clip(
                args.data_root, cfg.model.backbone.arch.to_dict(),
                pretrain_steps=args.pretrain_steps, templates=MOTE_TEMPLATES,
                force=args.force, log=print)
        pre = clip['stats']
        note['text'] = (
            ('(re-used) ' if clip['reused'] else '') +
            f'colour-shape top-1 of stills {pre["object_top1"]:.2f} '
            f'(chance {pre["object_chance"]:.2f})')

    results = {}
    tests = {}
    if 'clip' in args.only:
        with progress.phase('(a) tiny CLIP: close-set and zero-shot tests'):
            os.makedirs(osp.join(work, 'clip'), exist_ok=True)
            with quiet(log):
                clip_cfg = clip_checkpoint(
                    cfg, osp.join(work, 'clip', 'clip_meanpool.pth'))
            tests['clip'] = clip_cfg
            results['clip'] = {
                s: test(clip_cfg, split, osp.join(work, 'clip'), log)
                for s, split in (('closeset', 'val'),
                                 ('zeroshot', 'zeroshot'))}
    if 'plain' in args.only:
        pcfg = plain_cfg(cfg)
        with progress.phase('(b) fine-tuning plain temporal transformer'):
            train(pcfg, osp.join(work, 'plain'), log)
        pcfg.load_from = last_checkpoint(osp.join(work, 'plain'))
        with progress.phase('(b) close-set and zero-shot tests'):
            results['plain'] = {
                s: test(pcfg, split, osp.join(work, 'plain'), log)
                for s, split in (('closeset', 'val'),
                                 ('zeroshot', 'zeroshot'))}
    if 'mote' in args.only:
        mdir = osp.join(work, 'mote')
        with progress.phase('(c) fine-tuning MoTE'):
            train(cfg, mdir, log)
        with progress.phase('(c) merging experts'):
            # written by MoTEMergedExportHook after training
            dcfg = Config.fromfile(osp.join(mdir, 'deploy_config.py'))
            merged = torch.load(dcfg.load_from, map_location='cpu',
                                weights_only=True)
        results['mote'] = {}
        with progress.phase('(c) close-set test'):
            results['mote']['closeset'] = test(dcfg, 'val', mdir, log)
        with progress.phase('(c) zero-shot test'):
            results['mote']['zeroshot'] = test(dcfg, 'zeroshot', mdir, log)
    for r in results.values():
        r['hm'] = harmonic_mean([r['closeset'], r['zeroshot']])

    chance = dict(closeset=1 / len(SEEN_CLASSES),
                  zeroshot=1 / len(HELD_OUT_CLASSES))
    summary = dict(
        seen_classes=list(SEEN_CLASSES),
        held_out_classes=list(HELD_OUT_CLASSES),
        chance=chance,
        results=results,
        tiny_clip=pre,
        data_reused=dict(clips=clips['reused'], tiny_clip=clip['reused']),
        wall_seconds=round(progress.elapsed(), 1),
        cpu_seconds=round(progress.cpu_seconds(), 1),
        merged_checkpoint=osp.join(work, 'mote', 'mote_merged.pth')
        if 'mote' in args.only else None)
    if 'mote' in args.only:
        summary['merged_experts'] = merged['meta'].get('merged_from')
    atomic_write_text(osp.join(work, 'summary.json'),
                      json.dumps(summary, indent=2))
    trained = [k for k in ('plain', 'mote') if k in args.only]
    pngs = []
    if trained and importlib.util.find_spec('matplotlib') is None:
        print('no plots: matplotlib is not installed (pip install '
              '"mote_mmaction[plot]")')
    elif trained:
        pngs = plot_runs(work, trained)
    print_table(results, chance)
    print(f'\n{len(SEEN_CLASSES)} fine-tuning classes (time-reversal pairs),'
          f' {len(HELD_OUT_CLASSES)} held-out classes named only; '
          f'{summary["wall_seconds"]} s wall, {summary["cpu_seconds"]} s CPU')
    print(f'summary: {osp.join(work, "summary.json")}')
    if pngs:
        print(f'plots: {", ".join(pngs)}')
    log.close()


if __name__ == '__main__':
    main()
