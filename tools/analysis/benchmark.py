# Copyright (c) OpenMMLab. All rights reserved.
"""Speed and memory of a MoTE config: model-only, data-only, summary.

Model-only, on synthetic tensors (random weights, no files needed)::

    # training step = train_step(): preprocess, forward(mode='loss'),
    # backward, AdamW step; plus a backbone/head breakdown
    python tools/analysis/benchmark.py configs/mote/k400.py --mode train \
        --batch 24 --amp-dtype bfloat16 --grad-ckpt on --device cuda
    # inference = test_step(): preprocess, backbone, head, view fusion;
    # --compare adds merged / unmerged / deploy / TFM side by side
    python tools/analysis/benchmark.py configs/mote/k400.py --mode infer \
        --batch 8 --views 12 --amp-dtype bfloat16 --compare --device cuda

Data-only, the config's train and test pipelines over video files, one
process, no DataLoader workers (i.e. clips/s of one worker)::

    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        [--ann-file LIST --data-root ROOT]   # default: generated clips
    # decoders side by side, workers needed (tools/analysis/benchmark_data.py)
    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --decoders decord_unsorted decord torchcodec pyav

Summary of several JSON results against the performance targets::

    python tools/analysis/benchmark.py --mode summary --inputs OUT/*.json

Every run prints a table; ``--json OUT`` writes all numbers, with the
method of each measurement, the machine and the software versions.
"""
import argparse
import contextlib
import copy
import datetime
import glob
import itertools
import json
import os
import os.path as osp
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.config import Config, ConfigDict, DictAction  # noqa: E402
from mmengine.logging import MessageHub, MMLogger  # noqa: E402
from mmengine.optim import OptimWrapper, build_optim_wrapper  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import benchmark_data  # noqa: E402  (data mode: decoders side by side)

# Performance targets of the project (docs/benchmark.md), H100, bf16.
TARGETS = dict(
    train_clips_per_s=580.0,
    infer_views_per_s=1750.0,
    head_share=0.03,
    merged_over_deploy=1.02,
    tfm_share=0.01,
    text_tower_runs=0)

SAMPLERS = ('UniformSample', 'SampleFrames', 'UniformSampleFrames',
            'DenseSampleFrames')
CROPS = dict(ThreeCrop=3, TenCrop=10)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    p.add_argument('config', nargs='?', help='config file (not in summary)')
    p.add_argument('--mode', choices=['train', 'infer', 'data', 'summary'],
                   default='infer')
    g = p.add_argument_group('model modes (train, infer)')
    g.add_argument('--batch', type=int,
                   help='clips per step (default: the config\'s train / '
                   'test dataloader batch size)')
    g.add_argument('--views', type=int,
                   help='infer: views per clip (default: the test '
                   'pipeline\'s clips x crops)')
    g.add_argument('--frames', type=int,
                   help='frames per view (default: the pipeline\'s)')
    g.add_argument('--size', type=int,
                   help='frame size (default: the CLIP arch\'s)')
    g.add_argument('--num-classes', type=int,
                   help='training vocabulary: N generated names (default: '
                   'the config\'s num_classes)')
    g.add_argument('--tfm-classes', type=int, default=0,
                   help='infer with another vocabulary of N classes, so '
                   'TFM runs (with --compare: default 600)')
    g.add_argument('--text-templates', type=int,
                   help='use only the first N prompt templates (the table '
                   'is built once, in warm-up; only that cost changes)')
    g.add_argument('--random-text-tables', action='store_true',
                   help='seeded random class tables instead of running '
                   'the text tower (it then never runs)')
    g.add_argument('--amp-dtype',
                   choices=['config', 'none', 'float16', 'bfloat16'],
                   default='config',
                   help='autocast dtype (config: the optim_wrapper\'s)')
    g.add_argument('--loss-scale', choices=['config', 'dynamic', 'off'],
                   default='config',
                   help='CUDA AMP training: GradScaler dynamic or disabled')
    g.add_argument('--grad-ckpt', choices=['config', 'on', 'off'],
                   default='config', help='backbone gradient checkpointing')
    g.add_argument('--merged', choices=['on', 'off'], default='on',
                   help='infer: cached merged experts (on) or the merge '
                   'recomputed every step (off)')
    g.add_argument('--deploy', action='store_true',
                   help='build the one-FFN deploy model (num_experts=1)')
    g.add_argument('--compile', action='store_true',
                   help='torch.compile the CLIP visual tower')
    g.add_argument('--compare', action='store_true',
                   help='infer: merged, unmerged, deploy, TFM and the same '
                   'vocabulary without TFM, interleaved in one run')
    g.add_argument('--no-breakdown', action='store_true',
                   help='train: time the full step only')
    g.add_argument('--host-inputs', action='store_true',
                   help='synthetic batches start on the host (as a '
                   'DataLoader gives them), so the copy is timed too')
    g.add_argument('--sync-check', choices=['auto', 'on', 'off'],
                   default='auto',
                   help='CUDA: record host-device syncs of one step with '
                   'torch.cuda.set_sync_debug_mode (auto: on for CUDA)')
    g.add_argument('--tf32', action='store_true',
                   help='allow TF32 matmuls (off: PyTorch default)')
    g.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu', choices=['cpu', 'cuda'])
    g.add_argument('--warmup', type=int, default=2,
                   help='untimed steps per variant')
    g.add_argument('--iters', type=int, default=5,
                   help='timed steps per repeat')
    g.add_argument('--repeats', type=int, default=3,
                   help='repeats; median and spread are over them')
    g.add_argument('--seed', type=int, default=0)
    d = p.add_argument_group('data mode')
    d.add_argument('--ann-file', help='video list (path label per line)')
    d.add_argument('--data-root', default='',
                   help='root of the paths in --ann-file')
    d.add_argument('--synthetic', nargs='+',
                   choices=['short256', 'full720p', 'motion64'],
                   default=['short256', 'full720p'],
                   help='generated clip sets without --ann-file: 340x256 '
                   'and 1280x720 at --video-seconds/--video-fps, or the '
                   '64x64 motion clips of mote_mmaction.utils')
    d.add_argument('--num-videos', type=int, default=2,
                   help='generated videos per set')
    d.add_argument('--video-seconds', type=float, default=10.0)
    d.add_argument('--video-fps', type=int, default=25)
    d.add_argument('--codec', choices=['h264', 'mp4v'], default='h264',
                   help='codec of generated clips (h264 via PyAV, as '
                   'Kinetics; mp4v via OpenCV)')
    d.add_argument('--video-dir',
                   help='keep generated clips here (default: a temporary '
                   'folder, removed)')
    d.add_argument('--clips', type=int, default=8,
                   help='clips per timed repeat')
    d.add_argument('--pipelines', nargs='+', default=['train', 'test'],
                   choices=['train', 'val', 'test'])
    benchmark_data.add_arguments(d)
    s = p.add_argument_group('summary mode')
    s.add_argument('--inputs', nargs='+', default=[],
                   help='JSON results (globs allowed)')
    p.add_argument('--json', help='write the results here')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args(argv)
    if args.mode != 'summary' and not args.config:
        p.error(f'--mode {args.mode} needs a config')
    return args


# --------------------------------------------------------------------------
# statistics, timing, memory
def spread(values: Sequence[float]) -> Dict:
    """Median, min/max and quartiles of per-repeat values (``values``
    keeps the measured order)."""
    raw = [float(v) for v in values]
    vals = sorted(raw)
    med = statistics.median(vals)
    if len(vals) >= 2:
        q1, _, q3 = statistics.quantiles(vals, n=4, method='inclusive')
    else:
        q1 = q3 = vals[0]
    return dict(median=med, min=vals[0], max=vals[-1], q1=q1, q3=q3,
                iqr=q3 - q1, n=len(vals), values=raw)


def device_sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def time_block(fn: Callable[[], None], iters: int, device: str) -> float:
    """Seconds per call of ``fn``, averaged over ``iters`` calls."""
    device_sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    device_sync(device)
    return (time.perf_counter() - start) / iters


def _proc_status_kb(key: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class MemoryProbe:
    """Peak memory over a window.

    CUDA: ``torch.cuda.max_memory_allocated`` after resetting the peak at
    :meth:`start` (absolute: weights, optimizer state, activations).
    CPU: peak RSS minus the RSS at :meth:`start` (what the steps add:
    activations, gradients, optimizer state, tables). The Linux peak
    (``VmHWM``) is reset at start through ``/proc/self/clear_refs``; where
    that is not possible the process-lifetime ``ru_maxrss`` is used.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.base_mb = 0.0
        self.hwm_reset = False

    def start(self) -> None:
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base_mb = torch.cuda.memory_allocated() / 2**20
            return
        rss = _proc_status_kb('VmRSS')
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        if rss is None:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.base_mb = rss / 1024

    def stop(self) -> Dict:
        if self.device == 'cuda':
            torch.cuda.synchronize()
            return dict(
                peak_mem_mb=torch.cuda.max_memory_allocated() / 2**20,
                peak_reserved_mb=torch.cuda.max_memory_reserved() / 2**20,
                start_allocated_mb=self.base_mb,
                mem_method='torch.cuda.max_memory_allocated (absolute)')
        hwm = _proc_status_kb('VmHWM') if self.hwm_reset else None
        how = 'VmHWM reset at start' if hwm is not None else \
            'ru_maxrss (process lifetime peak)'
        if hwm is None:
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = hwm / 1024
        return dict(
            peak_mem_mb=max(peak - self.base_mb, 0.0),
            peak_rss_mb=peak,
            start_rss_mb=self.base_mb,
            mem_method=f'CPU peak RSS delta over the start RSS ({how})')


class SyncAudit:
    """Records host-device synchronisations (CUDA sync debug mode).

    Every sync PyTorch performs (``.item()``, ``.cpu()``, blocking copies,
    ``torch.equal`` ...) raises a warning in ``warn`` mode; this keeps the
    Python frames of the caller so the line that synced is named.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.records: List[Dict] = []
        self.phase = ''

    @contextlib.contextmanager
    def watch(self, phase: str):
        if not self.enabled:
            yield
            return
        self.phase = phase
        torch.cuda.synchronize()
        previous = torch.cuda.get_sync_debug_mode()
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.showwarning = self._record
            torch.cuda.set_sync_debug_mode('warn')
            try:
                yield
            finally:
                torch.cuda.set_sync_debug_mode(previous)

    def _record(self, message, category, filename, lineno, file=None,
                line=None) -> None:
        text = str(message)
        if 'synchroniz' not in text:
            return
        frames = [f for f in traceback.extract_stack()[:-1]
                  if 'tools/analysis/benchmark.py' not in
                  f.filename.replace(os.sep, '/')
                  and 'contextlib' not in f.filename
                  and 'warnings' not in f.filename]
        self.records.append(
            dict(phase=self.phase, message=text.splitlines()[0][:160],
                 where=f'{_short_path(filename)}:{lineno}',
                 stack=[f'{_short_path(f.filename)}:{f.lineno} {f.name}'
                        for f in frames[-5:]]))

    def report(self) -> Dict:
        if not self.enabled:
            return dict(enabled=False,
                        note='only on CUDA (torch.cuda.set_sync_debug_mode)')
        count: Dict[str, int] = {}
        for r in self.records:
            count[r['phase']] = count.get(r['phase'], 0) + 1
        return dict(enabled=True, count_by_phase=count,
                    records=self.records[:50])


def _short_path(path: str) -> str:
    """Path relative to the repository or to site-packages."""
    path = path.replace(os.sep, '/')
    root = REPO.replace(os.sep, '/') + '/'
    if path.startswith(root):
        return path[len(root):]
    if 'site-packages/' in path:
        return path.split('site-packages/', 1)[1]
    return osp.basename(path)


# --------------------------------------------------------------------------
# config and model
pipeline_of = benchmark_data.pipeline_of


def clip_geometry(cfg: Config, split: str) -> Tuple[int, int]:
    """(frames per view, views per clip) of a split's pipeline."""
    frames, clips, crops = 8, 1, 1
    for t in pipeline_of(cfg, split):
        if t.get('type') in SAMPLERS:
            frames = int(t.get('clip_len', frames))
            clips = int(t.get('num_clips', 1))
        crops = CROPS.get(t.get('type'), crops)
    return frames, clips * crops


def frame_size(cfg: Config, args) -> int:
    if args.size:
        return args.size
    arch = cfg.model.get('backbone', {}).get('arch')
    if arch is None:
        return 224
    from mote_mmaction.models.clip_utils import resolve_arch
    size = resolve_arch(arch)['vision_cfg'].get('image_size', 224)
    return int(size[0] if isinstance(size, (list, tuple)) else size)


def class_names(n: int, prefix: str = 'action') -> List[str]:
    return [f'{prefix} {i:03d}' for i in range(n)]


def resolve_amp(cfg: Config, args) -> str:
    if args.amp_dtype != 'config':
        return args.amp_dtype
    ow = cfg.get('optim_wrapper', {}) or {}
    if ow.get('type') == 'AmpOptimWrapper':
        return str(ow.get('dtype') or 'float16')
    return 'none'


def model_config(cfg: Config, args, deploy: bool = False) -> ConfigDict:
    """``cfg.model`` without weight files, with generated class names."""
    m = copy.deepcopy(cfg.model)
    bb = m.get('backbone')
    if bb is not None:
        if 'pretrained' in bb or bb.get('type') == 'CLIPViT':
            bb['pretrained'] = None
        if args.grad_ckpt != 'config':
            bb['grad_checkpointing'] = args.grad_ckpt == 'on'
    head = m.cls_head
    n = args.num_classes or head.num_classes
    head.num_classes = n
    if 'class_names' in head:
        head.class_names = class_names(n)
    head.pop('test_class_names', None)
    te = head.get('text_encoder')
    if te is not None:
        te['pretrained'] = None
        if args.text_templates:
            from mote_mmaction.models.text.text_encoder import \
                MOTE_TEMPLATES
            templates = list(te.get('templates', MOTE_TEMPLATES))
            te['templates'] = templates[:args.text_templates]
    if deploy:
        head.num_experts = 1
    return m


def text_encoder_of(model):
    head = model.cls_head
    return getattr(head, 'text_encoder', None) if hasattr(
        type(head), 'text_encoder') else None


def tower_runs(model) -> int:
    enc = text_encoder_of(model)
    return int(getattr(enc, 'num_tower_runs', 0)) if enc is not None else 0


def install_random_tables(model, vocabularies: Sequence[Sequence[str]],
                          seed: int) -> None:
    """Prefill the text encoder's per-vocabulary cache with random unit
    rows, so class tables exist without running the tower."""
    enc = text_encoder_of(model)
    if enc is None:
        return
    gen = torch.Generator().manual_seed(seed)
    for names in vocabularies:
        table = torch.randn(len(names), model.cls_head.in_channels,
                            generator=gen)
        enc._cache[tuple(names)] = F.normalize(table, dim=-1)


def build_model(cfg: Config, args, deploy: bool = False):
    torch.manual_seed(args.seed)
    model = MODELS.build(model_config(cfg, args, deploy))
    model.init_weights()
    model.to(args.device)
    if args.random_text_tables:
        names = [model.cls_head.class_names]
        if args.tfm_classes:
            names.append(class_names(args.tfm_classes, 'novel action'))
        install_random_tables(model, names, args.seed)
    if args.compile:
        visual = model.backbone.visual
        if hasattr(visual, 'compile'):
            visual.compile()  # in place: parameter names unchanged
        else:
            model.backbone.visual = torch.compile(visual)
    return model


def expert_ffns(model) -> List[torch.nn.Module]:
    from mote_mmaction.models.layers.temporal_experts import MoTEExpertsFFN
    return [m for m in model.modules() if isinstance(m, MoTEExpertsFFN)]


def set_merge_cache(model, on: bool) -> Callable[[], None]:
    """Turn the eval-merge cache on/off; returns a per-step hook that
    forces the merge to be recomputed when the cache is off."""
    ffns = expert_ffns(model)
    for m in ffns:
        if hasattr(m, 'cache_merged'):
            m.cache_merged = on

    def clear() -> None:
        if not on:
            for m in ffns:
                m._merged_cache = None

    return clear


def synthetic_batch(batch: int, views: int, frames: int, size: int,
                    num_classes: int, device: str, seed: int,
                    on_host: bool = False) -> dict:
    """A collated batch as the DataLoader gives it: uint8 clips
    ``[views, 3, T, H, W]`` and data samples with labels."""
    gen = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 256, (views, 3, frames, size, size),
                      dtype=torch.uint8, generator=gen) for _ in range(batch)
    ]
    labels = torch.randint(0, num_classes, (batch, ), generator=gen)
    target = 'cpu' if on_host else device
    inputs = [x.to(target) for x in inputs]
    samples = [
        ActionDataSample().set_gt_label(labels[i:i + 1].to(target))
        for i in range(batch)
    ]
    return dict(inputs=inputs, data_samples=samples)


class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose context runs CPU autocast (MMEngine's
    ``AmpOptimWrapper`` requires an accelerator)."""

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextlib.contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=self.cast_dtype):
            yield


def build_optim(model, cfg: Config, args, amp: str):
    """The config's optimizer (AdamW for MoTE) in the wrapper ``amp`` asks
    for; learning-rate schedules play no part in speed."""
    ow = copy.deepcopy(cfg.get('optim_wrapper') or {})
    ow = ow.to_dict() if hasattr(ow, 'to_dict') else dict(ow)
    if 'optimizer' not in ow:
        ow['optimizer'] = dict(type='AdamW', lr=5e-5, weight_decay=0.2)
    cfg_scale = ow.pop('loss_scale', 'dynamic')
    for key in ('type', 'dtype'):
        ow.pop(key, None)
    scale = 'n/a'
    if amp == 'none':
        ow['type'] = 'OptimWrapper'
    elif args.device == 'cuda':
        scale = cfg_scale if args.loss_scale == 'config' else args.loss_scale
        ow.update(type='AmpOptimWrapper', dtype=amp,
                  loss_scale=dict(enabled=False) if scale == 'off' else
                  scale)
    else:
        ow.update(type=CPUAutocastOptimWrapper, dtype=amp)
    wrapper = build_optim_wrapper(model, ow)
    return wrapper, dict(type=type(wrapper).__name__,
                         optimizer=type(wrapper.optimizer).__name__,
                         loss_scale=str(scale))


def autocast(device: str, amp: str):
    if amp == 'none':
        return contextlib.nullcontext()
    return torch.autocast(device, dtype=getattr(torch, amp))


def new_iter_counter() -> Callable[[], None]:
    """Advance MessageHub's ``iter`` as the train loop does (routing
    draws are keyed on it)."""
    hub = MessageHub.get_current_instance()
    counter = itertools.count()

    def tick() -> None:
        hub.update_info('iter', next(counter))

    return tick


# --------------------------------------------------------------------------
# train
def bench_train(cfg: Config, args) -> Dict:
    amp = resolve_amp(cfg, args)
    frames, _ = clip_geometry(cfg, 'train')
    frames = args.frames or frames
    size = frame_size(cfg, args)
    batch = args.batch or cfg.get('train_dataloader', {}).get('batch_size', 2)
    model = build_model(cfg, args, deploy=args.deploy).train()
    num_classes = model.cls_head.num_classes
    data = synthetic_batch(batch, 1, frames, size, num_classes, args.device,
                           args.seed, args.host_inputs)
    optim, optim_info = build_optim(model, cfg, args, amp)
    tick = new_iter_counter()
    probe = MemoryProbe(args.device)
    probe.start()

    def full_step() -> None:
        tick()
        model.train_step(data, optim)

    def backbone_step() -> None:
        with optim.optim_context(model):
            d = model.data_preprocessor(data, True)
            x = d['inputs']
            feats = model.backbone(x.reshape((-1, ) + x.shape[2:]))
            loss = feats.float().square().mean()
        loss.backward()
        optim.zero_grad()

    runs0 = tower_runs(model)
    for _ in range(max(args.warmup, 1)):  # builds the class table
        full_step()
    runs_warm = tower_runs(model) - runs0

    fixed: List[torch.Tensor] = []  # frame features for the head alone
    if not args.no_breakdown:
        with torch.no_grad(), optim.optim_context(model):
            d = model.data_preprocessor(data, True)
            x = d['inputs']
            fixed.append(
                model.backbone(x.reshape((-1, ) + x.shape[2:])).detach())
        head_samples = d['data_samples']

    def head_step() -> None:
        tick()
        feats = fixed[0].detach().requires_grad_(True)
        with optim.optim_context(model):
            losses = model.cls_head.loss(feats, head_samples)
            loss, _ = model.parse_losses(losses)
        loss.backward()
        optim.zero_grad()

    audit = SyncAudit(args.device == 'cuda' and args.sync_check != 'off')
    if audit.enabled:
        tick()
        with audit.watch('data_preprocessor'):
            with optim.optim_context(model):
                d = model.data_preprocessor(data, True)
        with audit.watch('forward_loss'):
            with optim.optim_context(model):
                losses = model(**d, mode='loss')
                loss, _ = model.parse_losses(losses)
        with audit.watch('backward'):
            optim.backward(loss)
        with audit.watch('optimizer_step'):
            optim.step()
            optim.zero_grad()

    parts = dict(step=full_step)
    if not args.no_breakdown:
        parts.update(backbone=backbone_step, head=head_step)
        for fn in (backbone_step, head_step):
            fn()  # warm-up of the extra paths
    runs_before = tower_runs(model)
    times: Dict[str, List[float]] = {k: [] for k in parts}
    for _ in range(args.repeats):
        for name, fn in parts.items():  # interleaved: same drift for all
            times[name].append(time_block(fn, args.iters, args.device))
    runs_timed = tower_runs(model) - runs_before
    mem = probe.stop()

    rates = [batch / t for t in times['step']]
    out = dict(spread(rates), unit='clips/s',
               seconds_per_step=statistics.median(times['step']))
    bd: Dict = dict(step_ms=1e3 * statistics.median(times['step']),
                    step_ms_spread=spread([1e3 * t for t in times['step']]))
    if not args.no_breakdown:
        step, bb, hd = (statistics.median(times[k])
                        for k in ('step', 'backbone', 'head'))
        per_rep = [h / s for h, s in zip(times['head'], times['step'])]
        bd.update(
            backbone_ms=1e3 * bb,
            head_ms=1e3 * hd,
            other_ms=1e3 * (step - bb - hd),
            backbone_share=bb / step,
            head_share=statistics.median(per_rep),
            head_share_spread=spread(per_rep),
            backbone_ms_spread=spread([1e3 * t for t in times['backbone']]),
            head_ms_spread=spread([1e3 * t for t in times['head']]),
            other_share=(step - bb - hd) / step,
            # least-disturbed estimate on a shared machine
            head_share_of_min=min(times['head']) / min(times['step']),
            method=(
                'Separate timed calls, interleaved per repeat (CUDA-'
                'synchronised block timing). step = model.train_step '
                '(data preprocessor, forward(mode=loss), backward, '
                'optimizer step). backbone = data preprocessor + CLIP '
                'visual forward + backward of a scalar surrogate loss '
                '(recompute included with grad checkpointing). head = '
                'MoTEHead.loss on fixed frame features that require grad '
                '(expert pass, merged pass, CE x2, MSE) forward + backward. '
                'other = step - backbone - head (optimizer step, '
                'zero_grad, loss parsing). head_share = median over '
                'repeats of head / step.'))
    out.update(
        breakdown=bd, optim_wrapper=optim_info, amp_dtype=amp,
        frames=frames, size=size, batch=batch, views=1,
        num_classes=num_classes,
        text_tower_runs_warmup=runs_warm,
        text_tower_runs_during_timing=runs_timed,
        sync_audit=audit.report(), **mem)
    out['grad_ckpt'] = 'on' if model_config(cfg, args).backbone.get(
        'grad_checkpointing', False) else 'off'
    return out


# --------------------------------------------------------------------------
# infer
def bench_infer(cfg: Config, args) -> Dict:
    amp = resolve_amp(cfg, args)
    frames, views = clip_geometry(cfg, 'test')
    frames = args.frames or frames
    views = args.views or views
    size = frame_size(cfg, args)
    batch = args.batch or cfg.get('test_dataloader', {}).get('batch_size', 2)
    tfm_n = args.tfm_classes or (600 if args.compare else 0)
    if args.compare and not args.tfm_classes:
        args.tfm_classes = tfm_n
    model = build_model(cfg, args, deploy=args.deploy and not args.compare)
    model.eval()
    head = model.cls_head
    data = synthetic_batch(batch, views, frames, size, head.num_classes,
                           args.device, args.seed, args.host_inputs)
    tfm_names = class_names(tfm_n, 'novel action') if tfm_n else None
    orig_tfm = getattr(head, 'tfm', None)
    n_views = batch * views

    def configure(m, merged: bool, vocab: Optional[List[str]],
                  tfm_on: bool = True) -> Callable[[], None]:
        if hasattr(m.cls_head, 'set_vocabulary'):
            m.cls_head.set_vocabulary(vocab)
            m.cls_head.tfm = orig_tfm if tfm_on else None
        return set_merge_cache(m, merged)

    def make_step(m, clear: Callable[[], None]) -> Callable[[], None]:

        def step() -> None:
            clear()
            with torch.no_grad(), autocast(args.device, amp):
                m.test_step(data)

        return step

    # name -> (model, merged, vocabulary, tfm on)
    if args.compare:
        variants = dict(merged=(model, True, None, True),
                        unmerged=(model, False, None, True))
        variants[f'tfm_{tfm_n}'] = (model, True, tfm_names, True)
        variants[f'vocab_{tfm_n}_no_tfm'] = (model, True, tfm_names, False)
        variants['deploy'] = None  # built below from the merged weights
        primary = 'merged'
    else:
        primary = 'deploy' if args.deploy else (
            f'tfm_{tfm_n}' if tfm_n else
            ('merged' if args.merged == 'on' else 'unmerged'))
        variants = {primary: (model, args.merged == 'on', tfm_names, True)}

    probe = MemoryProbe(args.device)
    probe.start()
    runs0 = tower_runs(model)
    steps: Dict[str, Callable[[], None]] = {}
    for name, spec in variants.items():
        if spec is None:
            continue
        m, merged, vocab, tfm_on = spec
        step = make_step(m, configure(m, merged, vocab, tfm_on))
        for _ in range(max(args.warmup, 1)):  # builds the class tables
            step()
        steps[name] = step
    extra: Dict = {}
    if args.compare:
        from mote_mmaction.models.deploy import merge_experts_state_dict
        configure(model, True, None)
        dep = build_model(cfg, args, deploy=True).eval()
        dep.load_state_dict(merge_experts_state_dict(model.state_dict()))
        variants['deploy'] = (dep, True, None, True)
        steps['deploy'] = make_step(dep, configure(dep, True, None))
        for _ in range(max(args.warmup, 1)):
            steps['deploy']()
        with torch.no_grad(), autocast(args.device, amp):
            a = model.test_step(data)
            b = dep.test_step(data)
        extra['deploy_max_abs_diff'] = max(
            float((x.pred_score - y.pred_score).abs().max())
            for x, y in zip(a, b))
    runs_warm = tower_runs(model) - runs0

    audit = SyncAudit(args.device == 'cuda' and args.sync_check != 'off')
    if audit.enabled:
        name = primary
        m, merged, vocab, tfm_on = variants[name]
        step = make_step(m, configure(m, merged, vocab, tfm_on))
        with audit.watch(f'test_step ({name})'):
            step()

    runs_before = tower_runs(model)
    times: Dict[str, List[float]] = {k: [] for k in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            m, merged, vocab, tfm_on = variants[name]
            # switching only re-points the head at a cached table
            step = make_step(m, configure(m, merged, vocab, tfm_on))
            times[name].append(time_block(step, args.iters, args.device))
    runs_timed = tower_runs(model) - runs_before
    mem = probe.stop()

    results = {}
    for name, ts in times.items():
        results[name] = dict(spread([n_views / t for t in ts]),
                             unit='views/s',
                             seconds_per_step=statistics.median(ts),
                             ms_per_step=1e3 * statistics.median(ts))
    out = dict(results[primary])
    out.update(amp_dtype=amp, frames=frames, size=size, batch=batch,
               views=views, views_per_step=n_views,
               num_classes=head.num_classes, tfm_classes=tfm_n,
               variant=primary,
               text_tower_runs_warmup=runs_warm,
               text_tower_runs_during_timing=runs_timed,
               sync_audit=audit.report(), **mem)
    out['breakdown'] = infer_breakdown(model, data, args, amp, times,
                                       primary, tfm_names, orig_tfm,
                                       variants.get('deploy'))
    if args.compare:
        out['compare'] = results
        out['ratios'] = compare_ratios(times, tfm_n, out['breakdown'])
        out['ratios'].update(extra)
    return out


def _ratio(times: Dict[str, List[float]], a: str, b: str) -> float:
    """Median over repeats of time(a) / time(b), measured side by side."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def compare_ratios(times: Dict[str, List[float]], tfm_n: int,
                   breakdown: Dict) -> Dict:
    tfm, vocab = f'tfm_{tfm_n}', f'vocab_{tfm_n}_no_tfm'
    out = dict(
        merged_over_deploy=_ratio(times, 'merged', 'deploy'),
        unmerged_over_merged=_ratio(times, 'unmerged', 'merged'),
        tfm_overhead=_ratio(times, tfm, 'merged') - 1.0,
        tfm_only_overhead=_ratio(times, tfm, vocab) - 1.0,
        method=('End-to-end test_step times of the variants, interleaved '
                'per repeat; each ratio is the median over repeats of the '
                'ratio of step times (throughput ratio inverted). '
                'merged_over_deploy: target <= 1.02. tfm_overhead: '
                f'{tfm_n}-class vocabulary with TFM vs the training '
                'vocabulary (TFM skipped), as a fraction of a step; '
                'tfm_only_overhead: the same vocabulary with and without '
                'TFM. Direct component timings are in breakdown.'))
    for key in ('tfm_share', 'merge_share', 'head_merged_over_deploy'):
        if key in breakdown:
            out[key] = breakdown[key]
    return out


def infer_breakdown(model, data, args, amp: str, times, primary: str,
                    tfm_names, orig_tfm, deploy_spec) -> Dict:
    """Backbone vs head of one test step, and direct timings of the eval
    merge and of TFM on the same frame features."""
    from mote_mmaction.models.layers.temporal_modulation import \
        temporal_modulation
    head = model.cls_head
    dev = args.device
    iters = max(args.iters * 4, 8)
    with torch.no_grad(), autocast(dev, amp):
        d = model.data_preprocessor(data, False)
        x = d['inputs']
        flat = x.reshape((-1, ) + x.shape[2:])
        feats = model.backbone(flat)

    def backbone() -> None:
        with torch.no_grad(), autocast(dev, amp):
            dd = model.data_preprocessor(data, False)
            xx = dd['inputs']
            model.backbone(xx.reshape((-1, ) + xx.shape[2:]))

    def head_fn(h, clear=lambda: None) -> Callable[[], None]:

        def fn() -> None:
            clear()
            with torch.no_grad(), autocast(dev, amp):
                h.predict(feats, d['data_samples'])

        return fn

    ffns = expert_ffns(model)

    def merge() -> None:
        with torch.no_grad():
            for m in ffns:
                m.merged_params(m.eval_coeffs)

    parts: Dict[str, Callable[[], None]] = dict(backbone=backbone)
    if hasattr(head, 'set_vocabulary'):
        head.set_vocabulary(None)
        head.tfm = orig_tfm
    parts['head_merged'] = head_fn(head, set_merge_cache(model, True))
    if ffns and ffns[0].num_experts > 1:
        parts['merge'] = merge
    if deploy_spec is not None:
        parts['head_deploy'] = head_fn(deploy_spec[0].cls_head)
    table_n = None
    if tfm_names and orig_tfm is not None and hasattr(head, 'eval_table'):
        head.set_vocabulary(tfm_names)
        table_n, _ = head.eval_table()
        train_t = head.train_table()

        def tfm() -> None:
            with torch.no_grad(), autocast(dev, amp):
                temporal_modulation(feats, table_n, train_t, **orig_tfm)

        parts['tfm'] = tfm
        head.set_vocabulary(None)
    res: Dict[str, List[float]] = {k: [] for k in parts}
    for k, fn in parts.items():
        fn()  # warm-up
    for _ in range(args.repeats):
        for k, fn in parts.items():
            n = args.iters if k == 'backbone' else iters
            res[k].append(time_block(fn, n, dev))
    med = {k: statistics.median(v) for k, v in res.items()}
    step = statistics.median(times[primary])
    out: Dict = {f'{k}_ms': 1e3 * v for k, v in med.items()}
    out['test_step_ms'] = 1e3 * step
    out['backbone_share'] = med['backbone'] / step
    out['head_share'] = med['head_merged'] / step
    if 'merge' in med:
        out['merge_share'] = med['merge'] / step
    if 'head_deploy' in med:
        out['head_merged_over_deploy'] = statistics.median(
            a / b for a, b in zip(res['head_merged'], res['head_deploy']))
    if 'tfm' in med:
        tfm_step = statistics.median(times[f'tfm_{len(tfm_names)}']) \
            if f'tfm_{len(tfm_names)}' in times else step
        out['tfm_share'] = med['tfm'] / tfm_step
    out['method'] = (
        'Direct timings on the frame features of one batch, '
        f'{iters} calls per repeat ({args.iters} for the backbone), median '
        'over repeats: backbone = data '
        'preprocessor + CLIP visual forward; head_merged = MoTEHead.predict '
        '(temporal transformer with cached merged experts, cosines, view '
        'fusion); merge = the eval-time merge of all layers (what '
        '--merged off adds per step); tfm = temporal_modulation with the '
        'TFM vocabulary (its share is of the TFM test step); shares are '
        'of the median test_step time of the primary variant.')
    return out


# --------------------------------------------------------------------------
# data
def _texture(rng, w: int, h: int, pad: int) -> np.ndarray:
    import cv2
    small = rng.integers(0, 256, ((h + pad) // 4 + 2, (w + pad) // 4 + 2,
                                  3), dtype=np.uint8)
    return cv2.resize(small, (w + pad, h + pad),
                      interpolation=cv2.INTER_CUBIC)


def write_clip(path: str, size: Tuple[int, int], seconds: float, fps: int,
               codec: str, seed: int) -> None:
    """A panning texture with a moving box: real, compressible video."""
    import cv2
    w, h = size
    n = max(int(round(seconds * fps)), 1)
    pad = 64
    rng = np.random.default_rng(seed)
    tex = _texture(rng, w, h, pad)

    def frames():
        for i in range(n):
            ox = int(pad / 2 + pad / 2 * np.sin(2 * np.pi * i / n))
            oy = (i // 2) % pad
            img = tex[oy:oy + h, ox:ox + w].copy()
            # mild sensor noise: bitrates nearer real footage
            img = cv2.add(img, rng.integers(0, 6, (h, w, 3), np.uint8))
            cx = int((0.2 + 0.6 * i / max(n - 1, 1)) * w)
            cv2.rectangle(img, (cx - w // 10, h // 3),
                          (cx + w // 10, 2 * h // 3), (240, 200, 40), -1)
            yield img

    if codec == 'h264':
        import av
        with av.open(path, 'w') as container:
            stream = container.add_stream('libx264', rate=fps)
            stream.width, stream.height = w, h
            stream.pix_fmt = 'yuv420p'
            stream.options = dict(preset='veryfast', crf='23')
            for img in frames():
                frame = av.VideoFrame.from_ndarray(img, format='rgb24')
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        raise IOError(f'cannot write {path} with mp4v')
    for img in frames():
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()


def video_sets(args, root: str) -> Dict[str, Dict]:
    """name -> dict(files, desc) of the clip sets to decode."""
    if args.ann_file:
        return benchmark_data.given_clip_set(args)
    sets = {}
    geom = dict(short256=(340, 256), full720p=(1280, 720))
    for name in args.synthetic:
        folder = osp.join(root, name)
        os.makedirs(folder, exist_ok=True)
        if name == 'motion64':
            from mote_mmaction.testing.synthetic_videos import (
                MOTION_CLASSES, generate_motion_dataset)
            ann, _ = generate_motion_dataset(
                folder, list(MOTION_CLASSES[:args.num_videos]), 1, 'bench',
                seed=args.seed)
            with open(ann) as f:
                files = [osp.join(folder, ln.split()[0]) for ln in f
                         if ln.strip()]
            desc = dict(source='generate_motion_dataset', size='64x64',
                        frames=16, codec='mp4v')
        else:
            files = []
            for i in range(args.num_videos):
                path = osp.join(folder, f'{name}_{i}.mp4')
                if not osp.isfile(path):
                    write_clip(path, geom[name], args.video_seconds,
                               args.video_fps, args.codec, args.seed + i)
                files.append(path)
            w, h = geom[name]
            desc = dict(source='generated', size=f'{w}x{h}',
                        seconds=args.video_seconds, fps=args.video_fps,
                        codec=args.codec)
        desc['videos'] = len(files)
        desc['mean_file_mb'] = float(np.mean(
            [osp.getsize(p) for p in files]) / 2**20)
        sets[name] = dict(files=files, desc=desc)
    return sets


def bench_data(cfg: Config, args) -> Dict:
    if args.decoders:
        return benchmark_data.bench_decoders(cfg, args)
    tmp = None
    root = args.video_dir
    if root is None and not args.ann_file:
        tmp = root = tempfile.mkdtemp(prefix='mote_bench_videos_')
    try:
        sets = video_sets(args, root or '')
        results, sources = {}, {}
        for split in args.pipelines:
            pipeline = pipeline_of(cfg, split)
            if not pipeline:
                continue
            test_mode = split != 'train'
            for set_name, info in sets.items():
                files = info['files']
                sources[set_name] = info['desc']
                ann = tempfile.NamedTemporaryFile(
                    'w', suffix='.txt', delete=False)
                ann.write(''.join(f'{p} 0\n' for p in files))
                ann.close()
                try:
                    ds = DATASETS.build(
                        dict(type='VideoDataset', ann_file=ann.name,
                             data_prefix=dict(video=''),
                             pipeline=copy.deepcopy(pipeline),
                             test_mode=test_mode))
                finally:
                    os.unlink(ann.name)
                cursor = itertools.count()

                def one(ds=ds, n=len(files), cursor=cursor) -> None:
                    ds[next(cursor) % n]

                for _ in range(args.warmup):
                    one()
                per = [time_block(one, args.clips, 'cpu')
                       for _ in range(args.repeats)]
                sample = ds[0]['inputs']
                results[f'{split}_pipeline/{set_name}'] = dict(
                    spread([1.0 / t for t in per]),
                    unit='clips/s per worker',
                    ms_per_clip=1e3 * statistics.median(per),
                    output_shape=list(sample.shape),
                    output_dtype=str(sample.dtype))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    first = next(iter(results.values())) if results else dict(
        median=0.0, min=0.0, max=0.0)
    out = dict(first)
    out.update(
        pipelines=results, video_sets=sources, clips_per_repeat=args.clips,
        breakdown=dict(method=(
            'One process, no DataLoader workers: dataset[i] (decord '
            'decode + the config\'s transforms + packing), cycling over '
            'the videos; clips/s of one worker = clips / wall time of a '
            f'repeat ({args.clips} clips). torch threads: '
            f'{torch.get_num_threads()}.')),
        batch=1, amp_dtype='n/a', grad_ckpt='n/a', merged='n/a',
        compile=False, peak_mem_mb=resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024,
        mem_method='ru_maxrss of the process (CPU)')
    return out


# --------------------------------------------------------------------------
# machine, output
def _versions() -> Dict[str, str]:
    out = dict(torch=torch.__version__, python=platform.python_version())
    for mod in ('torchvision', 'mmengine', 'mmaction', 'mmcv', 'open_clip',
                'decord', 'numpy', 'cv2', 'av'):
        try:
            out[mod] = str(__import__(mod).__version__)
        except Exception:  # noqa: BLE001 (optional packages)
            pass
    return out


def machine_info(device: str) -> Dict:
    info: Dict = dict(
        platform=platform.platform(), machine=platform.machine(),
        cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads())
    try:
        info['loadavg_1m'] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    try:
        info['cpu_affinity'] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open('/proc/cpuinfo') as f:
            names = [ln.split(':', 1)[1].strip() for ln in f
                     if ln.startswith('model name')]
        if names:
            info['cpu_model'] = names[0]
        mem = _meminfo_kb('MemTotal')
        if mem:
            info['mem_total_gb'] = round(mem / 2**20, 1)
    except OSError:
        pass
    if device == 'cuda':
        prop = torch.cuda.get_device_properties(0)
        info.update(
            gpu=prop.name, gpu_mem_gb=round(prop.total_memory / 2**30, 1),
            gpu_capability=f'{prop.major}.{prop.minor}',
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version())
    return info


def _meminfo_kb(key: str) -> Optional[int]:
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def _git() -> Dict:
    try:
        rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(['git', 'status', '--porcelain'], cwd=REPO,
                               capture_output=True, text=True, timeout=10)
        if rev.returncode == 0:
            return dict(commit=rev.stdout.strip(),
                        dirty=bool(dirty.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    return {}


def _fmt(v, digits: int = 2) -> str:
    if isinstance(v, float):
        return f'{v:.{digits}f}'
    return str(v)


def format_table(r: Dict) -> str:
    head = (f'== {r["mode"]} | {r["config"]} | {r["device"]} '
            f'({r["machine"].get("gpu") or r["machine"].get("cpu_model", "")})'
            f' | {r["date"]}')
    lines = [head]
    if r['mode'] != 'data':
        lines.append(
            f'   batch {r["batch"]} x views {r.get("views", 1)} x '
            f'{r.get("frames")}f x {r.get("size")}px | amp {r["amp_dtype"]}'
            f' | grad-ckpt {r["grad_ckpt"]} | merged {r["merged"]} | '
            f'deploy {r["deploy"]} | compile {r["compile"]} | '
            f'{r["warmup"]} warm-up, {r["repeats"]} x {r["iters"]} timed')
    if r['mode'] == 'data':
        rows = list(r['pipelines'].items())
    elif 'compare' in r:
        rows = list(r['compare'].items())
    else:
        rows = [(r.get('variant', r['mode']), r)]
    lines.append(f'   {"":<32} {"median":>10} {"min":>10} {"max":>10} '
                 f'{"IQR":>9}  unit')
    for name, v in rows:
        lines.append(f'   {name:<32} {v["median"]:>10.4g} {v["min"]:>10.4g} '
                     f'{v["max"]:>10.4g} {v.get("iqr", 0.0):>9.3g}  '
                     f'{v["unit"]}')
    for key in ('breakdown', 'ratios'):
        for k, v in (r.get(key) or {}).items():
            if isinstance(v, (int, float)):
                pct = k.endswith(('share', 'overhead'))
                text = f'{100 * v:.3g} %' if pct else _fmt(v, 4)
                lines.append(f'   {key}.{k:<30} {text}')
    if 'video_sets' in r:
        for k, v in r['video_sets'].items():
            lines.append(f'   videos {k}: {v}')
    if 'text_tower_runs_during_timing' in r:
        lines.append(
            f'   text tower runs: warm-up {r.get("text_tower_runs_warmup")}'
            f', timed steps {r["text_tower_runs_during_timing"]}')
    audit = r.get('sync_audit') or {}
    if audit.get('enabled'):
        lines.append(f'   host-device syncs: {audit["count_by_phase"] or 0}')
        for rec in audit['records'][:10]:
            lines.append(f'     [{rec["phase"]}] {rec["where"]} <- '
                         f'{" < ".join(reversed(rec["stack"][-3:]))}')
    lines.append(f'   peak memory: {r["peak_mem_mb"]:.0f} MiB '
                 f'({r.get("mem_method", "")})')
    return '\n'.join(lines)


# --------------------------------------------------------------------------
# summary against the targets
def summarize(paths: Sequence[str]) -> Dict:
    files = sorted({p for pat in paths for p in (glob.glob(pat) or [pat])})
    runs = []
    for p in files:
        try:
            with open(p) as f:
                r = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and r.get('mode') in ('train', 'infer',
                                                     'data', 'tiny_train'):
            r['_file'] = osp.basename(p)
            runs.append(r)
    tiny = [r for r in runs if r['mode'] == 'tiny_train']
    runs = [r for r in runs if r['mode'] != 'tiny_train']
    rows = []

    def add(name, target, value, ok, source, device='cuda'):
        if ok is None:
            status = 'n/a'
        elif device != 'cuda':
            status = 'CPU only'  # the targets are for the GPU
        else:
            status = 'PASS' if ok else 'FAIL'
        rows.append(dict(metric=name, target=target, value=value,
                         status=status, source=source))

    def worst_of(items):
        """Largest value, from CUDA runs when there are any."""
        cuda = [it for it in items if it[2] == 'cuda']
        return max(cuda or items, key=lambda it: it[0], default=None)

    for mode, key, name in (('train', 'train_clips_per_s',
                             'training clips/s (bf16)'),
                            ('infer', 'infer_views_per_s',
                             'inference views/s (bf16)')):
        pool = [r for r in runs if r['mode'] == mode
                and r['device'] == 'cuda' and r['amp_dtype'] == 'bfloat16']
        best = max(pool, key=lambda r: r['median'], default=None)
        add(name, f'>= {TARGETS[key]:.0f}',
            best and round(best['median'], 1),
            best and best['median'] >= TARGETS[key], best and best['_file'])
    worst = worst_of([(r['breakdown']['head_share'], r['_file'],
                       r['device']) for r in runs if r['mode'] == 'train'
                      and 'head_share' in r.get('breakdown', {})])
    add('head share of a training step', '<= 3 %',
        worst and f'{100 * worst[0]:.2f} %',
        worst and worst[0] <= TARGETS['head_share'], worst and worst[1],
        worst and worst[2])
    for key, name, limit, pct in (
            ('merged_over_deploy', 'merged / plain (deploy) inference',
             TARGETS['merged_over_deploy'], False),
            ('tfm_share', 'TFM-600 share of a test step (direct)',
             TARGETS['tfm_share'], True),
            ('tfm_overhead', 'TFM-600 vocabulary vs same (end to end)',
             TARGETS['tfm_share'], True)):
        worst = worst_of([(r['ratios'][key], r['_file'], r['device'])
                          for r in runs if key in r.get('ratios', {})])
        shown = worst and (f'{100 * worst[0]:.2f} %' if pct else
                           round(worst[0], 4))
        add(name, f'<= {100 * limit:.0f} %' if pct else f'<= {limit}',
            shown, worst and worst[0] <= limit, worst and worst[1],
            worst and worst[2])
    towers = [(r.get('text_tower_runs_during_timing', 0), r['_file'])
              for r in runs if 'text_tower_runs_during_timing' in r]
    worst = max(towers, default=None)
    add('text tower runs in timed steps', '0', worst and worst[0],
        worst and worst[0] == 0, worst and worst[1])
    syncs = [(sum(r['sync_audit'].get('count_by_phase', {}).get(k, 0)
                  for k in ('forward_loss', )), r['_file']) for r in runs
             if (r.get('sync_audit') or {}).get('enabled')
             and r['mode'] == 'train']
    worst = max(syncs, default=None)
    add('host-device syncs in the training forward', '0',
        worst and worst[0], worst and worst[0] == 0, worst and worst[1])
    for r in tiny:
        add('tiny config trained with tools/train.py ' +
            ('--amp' if r.get('amp') else '(fp32)'), 'finite loss',
            '{:.3f} -> {:.3f}'.format(r.get('first_loss') or 0.0,
                                      r.get('last_loss') or 0.0),
            bool(r.get('losses_finite')) and r.get('iterations', 0) > 0,
            r['_file'])
    return dict(mode='summary', files=[osp.basename(f) for f in files],
                rows=rows, date=datetime.datetime.now().isoformat(
                    timespec='seconds'))


def format_summary(s: Dict) -> str:
    lines = ['== targets', f'   {"metric":<44} {"target":>9} '
             f'{"measured":>12}  status    source']
    for r in s['rows']:
        value = '-' if r['value'] is None else r['value']
        lines.append(f'   {r["metric"]:<44} {r["target"]:>9} '
                     f'{str(value):>12}  {r["status"]:<8}  '
                     f'{r["source"] or "not measured"}')
    return '\n'.join(lines)


# --------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> Dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.mode == 'summary':
        result = summarize(args.inputs)
        print(format_summary(result))
    else:
        benchmark_data.maybe_reexec_for_torchcodec(
            args, [osp.abspath(__file__)] + argv)
        result = run(args)
        result['command'] = ' '.join(
            ['python', 'tools/analysis/benchmark.py'] + argv)
        print(format_table(result))
        if result.get('decoders'):
            print(benchmark_data.format_side_by_side(result))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


def run(args: argparse.Namespace) -> Dict:
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda but CUDA is not available')
    register_all_modules(init_default_scope=True)
    # Quiet the per-table INFO lines; warnings still show.
    MMLogger.get_instance('mote_benchmark', log_level='WARNING')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(args.seed)
    start = time.time()
    bench = dict(train=bench_train, infer=bench_infer, data=bench_data)
    result = bench[args.mode](cfg, args)
    if args.mode == 'train':
        merged = 'n/a (training: expert pass + merged pass)'
    elif args.mode == 'data':
        merged = 'n/a'
    elif args.compare:
        merged = 'compare (cached, per-step, deploy)'
    elif args.deploy:
        merged = 'deploy (one FFN)'
    else:
        merged = 'on (cached)' if args.merged == 'on' else \
            'off (merged every step)'
    if args.mode != 'train':
        result['grad_ckpt'] = 'n/a (no backward)' if args.mode == 'infer' \
            else 'n/a'
    result.update(
        mode=args.mode, config=args.config, device=args.device,
        merged=merged,
        deploy=bool(args.deploy), compile=bool(args.compile),
        warmup=args.warmup, iters=args.iters, repeats=args.repeats,
        seed=args.seed, tf32=bool(args.tf32),
        random_text_tables=bool(args.random_text_tables),
        text_templates=args.text_templates or 'config',
        host_inputs=bool(args.host_inputs),
        spread={k: result.get(k) for k in ('min', 'max', 'q1', 'q3', 'iqr')},
        torch=torch.__version__, versions=_versions(),
        machine=machine_info(args.device), git=_git(),
        date=datetime.datetime.now().astimezone().isoformat(
            timespec='seconds'),
        wall_s=round(time.time() - start, 1))
    return result


if __name__ == '__main__':
    main()
