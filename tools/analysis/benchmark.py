# Copyright (c) OpenMMLab. All rights reserved.
"""Speed and memory of a MoTE config: model-only or data-only.

Model-only, on synthetic tensors (no weights, no videos needed):

    python tools/analysis/benchmark.py configs/mote/k400.py --mode train \
        --batch 24 --amp-dtype bfloat16 --grad-ckpt on --device cuda
    python tools/analysis/benchmark.py configs/mote/k400.py --mode infer \
        --batch 8 --views 12 --amp-dtype bfloat16 --compare --device cuda

``--compare`` (infer) measures side by side: merged experts (cached),
unmerged (merge recomputed every step), the deploy model (one FFN) and TFM
with a ``--tfm-classes`` test vocabulary. Train mode always reports the
share of the head (both temporal passes + losses, forward and backward) in
the step. Data-only, the config's pipelines over real video files:

    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        [--ann-file LIST --data-root ROOT]   # default: generated clips

Prints a table; ``--json OUT`` writes the same numbers.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import resource
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402

from mote_mmaction.models.clip_utils import resolve_arch  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('--mode', choices=['train', 'infer', 'data'],
                   default='infer')
    p.add_argument('--batch', type=int, default=2, help='clips per step')
    p.add_argument('--views', type=int, default=1,
                   help='views per clip (infer)')
    p.add_argument('--frames', type=int, help='default: the config\'s')
    p.add_argument('--amp-dtype', choices=['none', 'float16', 'bfloat16'],
                   default='none')
    p.add_argument('--grad-ckpt', choices=['on', 'off', 'config'],
                   default='config')
    p.add_argument('--merged', choices=['on', 'off'], default='on',
                   help='infer: cached merged experts, or merge every step')
    p.add_argument('--deploy', action='store_true',
                   help='build the one-FFN deploy model (num_experts=1)')
    p.add_argument('--compile', action='store_true', help='torch.compile')
    p.add_argument('--num-classes', type=int,
                   help='training vocabulary size (default: the config\'s)')
    p.add_argument('--tfm-classes', type=int, default=0,
                   help='infer with another vocabulary of N classes (TFM)')
    p.add_argument('--compare', action='store_true',
                   help='infer: merged vs unmerged vs deploy vs TFM')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--iters', type=int, default=5, help='steps per repeat')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--ann-file', help='data mode: video list')
    p.add_argument('--data-root', help='data mode: video root')
    p.add_argument('--clips', type=int, default=8,
                   help='data mode: clips per measurement')
    p.add_argument('--json', help='write results here')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


# ---------------------------------------------------------------- timing
def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def measure(step: Callable[[], None], device: str, warmup: int, iters: int,
            repeats: int) -> List[float]:
    """Seconds per step for each repeat (median of a repeat's mean)."""
    for _ in range(warmup):
        step()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iters):
            step()
        _sync(device)
        times.append((time.perf_counter() - start) / iters)
    return times


def summary(times: List[float], items: int, unit: str) -> Dict:
    rates = [items / t for t in times]
    return dict(
        median=statistics.median(rates), min=min(rates), max=max(rates),
        unit=unit, seconds_per_step=statistics.median(times))


def peak_mem_mb(device: str) -> float:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    # ru_maxrss: peak resident set of this process, in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- models
def model_cfg(cfg: Config, args, deploy: bool = False) -> dict:
    m = cfg.model.copy()
    head = m.cls_head
    n = args.num_classes or head.num_classes
    head.num_classes = n
    head.class_names = [f'class {i}' for i in range(n)]
    head.text_encoder = dict(head.text_encoder, pretrained=None)
    m.backbone = dict(m.backbone, pretrained=None)
    if args.grad_ckpt != 'config':
        m.backbone['grad_checkpointing'] = args.grad_ckpt == 'on'
    if deploy or args.deploy:
        head.num_experts = 1
    return m


def build(cfg: Config, args, deploy: bool = False):
    model = MODELS.build(model_cfg(cfg, args, deploy)).to(args.device)
    head = model.cls_head
    # A random normalised table stands in for the text tower's output: the
    # tower runs once per vocabulary, never per step (counted below).
    d = head.in_channels
    head.train_class_embeds.copy_(
        F.normalize(torch.randn(head.num_classes, d), dim=-1))
    head._train_table_ready = True
    if args.compile:
        model.backbone.visual = torch.compile(model.backbone.visual)
        head.temporal = torch.compile(head.temporal)
    return model


def clip_shape(cfg: Config, args):
    arch = resolve_arch(cfg.model.backbone.arch)
    size = arch['vision_cfg']['image_size']
    size = size[0] if isinstance(size, (list, tuple)) else size
    frames = args.frames or cfg.get('num_frames', 8)
    return frames, size


def autocast(args):
    if args.amp_dtype == 'none':
        return torch.autocast(args.device.split(':')[0], enabled=False)
    return torch.autocast(args.device.split(':')[0],
                          dtype=getattr(torch, args.amp_dtype))


def bench_train(cfg: Config, args) -> Dict:
    model = build(cfg, args).train()
    frames, size = clip_shape(cfg, args)
    b = args.batch
    inputs = [torch.randint(0, 256, (1, 3, frames, size, size),
                            dtype=torch.uint8) for _ in range(b)]
    samples = [ActionDataSample().set_gt_label(i % model.cls_head.num_classes)
               for i in range(b)]
    data = dict(inputs=inputs, data_samples=samples)
    wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-6,
                                                       weight_decay=0.2))
    if args.amp_dtype != 'none':
        wrapper = dict(wrapper, type='AmpOptimWrapper', dtype=args.amp_dtype)
    optim = build_optim_wrapper(model, wrapper)
    enc = model.cls_head.text_encoder
    runs_before = enc.num_tower_runs

    full = measure(lambda: model.train_step(data, optim), args.device,
                   args.warmup, args.iters, args.repeats)

    # Head alone (both temporal passes + losses, forward and backward) on
    # the backbone's features, which keep their grad so the head's backward
    # is complete: its share of the full step.
    with torch.no_grad(), autocast(args):
        batch = model.data_preprocessor(data, True)
        feats = model.backbone(batch['inputs'].flatten(0, 1))
    feats = feats.detach().requires_grad_(True)

    def head_step():
        with autocast(args):
            losses = model.cls_head.loss(feats, batch['data_samples'])
        sum(v for k, v in losses.items() if 'loss' in k).backward()

    head = measure(head_step, args.device, args.warmup, args.iters,
                   args.repeats)
    out = summary(full, b, 'clips/s')
    out['breakdown'] = dict(
        step_s=statistics.median(full),
        head_s=statistics.median(head),
        head_share=statistics.median(head) / statistics.median(full),
        backbone_and_optimizer_s=statistics.median(full) -
        statistics.median(head),
        method='head = MoTEHead.loss (expert pass, merged pass, CE x2, '
        'MSE) forward+backward on precomputed frame features; step = '
        'model.train_step (preprocess, backbone, head, backward, AdamW)')
    out['text_tower_runs_during_timing'] = enc.num_tower_runs - runs_before
    return out


def infer_step(model, inputs, args) -> Callable[[], None]:
    def step():
        with torch.no_grad(), autocast(args):
            feats = model.backbone(inputs)
            model.cls_head(feats)
    return step


def bench_infer(cfg: Config, args) -> Dict:
    frames, size = clip_shape(cfg, args)
    n = args.batch * args.views
    inputs = torch.randn(n, 3, frames, size, size, device=args.device)
    variants = {}

    def run(name, model, tfm_classes=0, merged=True):
        model.eval()
        for m in model.modules():
            if hasattr(m, 'cache_merged'):
                m.cache_merged = merged
        head = model.cls_head
        if tfm_classes:
            head._eval_names = [f'test class {i}' for i in range(tfm_classes)]
            head._eval_table = F.normalize(
                torch.randn(tfm_classes, head.in_channels,
                            device=args.device), dim=-1)
        runs = head.text_encoder.num_tower_runs
        times = measure(infer_step(model, inputs, args), args.device,
                        args.warmup, args.iters, args.repeats)
        res = summary(times, n, 'views/s')
        res['text_tower_runs_during_timing'] = \
            head.text_encoder.num_tower_runs - runs
        variants[name] = res

    torch.manual_seed(0)
    model = build(cfg, args)
    run('merged', model, args.tfm_classes, args.merged == 'on')
    if args.compare:
        run('unmerged', model, 0, merged=False)
        tfm = args.tfm_classes or 600
        run(f'tfm_{tfm}', model, tfm, True)
        del model
        run('deploy', build(cfg, args, deploy=True))
    out = dict(variants['merged'])
    if args.compare:
        base = variants['merged']['seconds_per_step']
        tfm_key = next(k for k in variants if k.startswith('tfm_'))
        out['compare'] = variants
        out['ratios'] = dict(
            merged_over_deploy=base / variants['deploy']['seconds_per_step'],
            unmerged_over_merged=variants['unmerged']['seconds_per_step'] /
            base,
            tfm_overhead=variants[tfm_key]['seconds_per_step'] / base - 1.0)
    return out


# ------------------------------------------------------------------ data
def make_clips(root: str) -> Dict[str, str]:
    """Two generated 10-s 25-fps clips: short side 256 and 1280x720."""
    from mote_mmaction.utils.synthetic_videos import write_motion_clip
    sets = {}
    for name, size in (('short256', (340, 256)), ('full720p', (1280, 720))):
        path = osp.join(root, f'{name}.mp4')
        write_motion_clip(path, 'moving left', num_frames=250, size=size,
                          fps=25)
        sets[name] = path
    return sets


def bench_data(cfg: Config, args) -> Dict:
    from mmengine.dataset import Compose
    if args.ann_file:
        with open(args.ann_file) as f:
            files = [osp.join(args.data_root or '', ln.split()[0])
                     for ln in f if ln.strip()][:args.clips]
        sets = {'given': files}
    else:
        tmp = tempfile.mkdtemp(prefix='mote_bench_')
        sets = {k: [v] * args.clips for k, v in make_clips(tmp).items()}
    results = {}
    for pipe_name in ('train_pipeline', 'test_pipeline'):
        if pipe_name not in cfg:
            continue
        pipeline = Compose(cfg[pipe_name])
        for set_name, files in sets.items():
            def step(files=files):
                for path in files:
                    pipeline(dict(filename=path, label=0, start_index=0,
                                  modality='RGB'))
            times = measure(step, 'cpu', 1, 1, args.repeats)
            results[f'{pipe_name}/{set_name}'] = summary(
                times, len(files), 'clips/s per worker')
    return dict(pipelines=results)


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    torch.manual_seed(0)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    fn = dict(train=bench_train, infer=bench_infer, data=bench_data)
    result = fn[args.mode](cfg, args)
    result.update(
        mode=args.mode, config=args.config, device=args.device,
        device_name=torch.cuda.get_device_name() if
        args.device.startswith('cuda') else platform.processor() or
        platform.machine(),
        cpu_threads=torch.get_num_threads(), batch=args.batch,
        views=args.views, amp_dtype=args.amp_dtype,
        grad_ckpt=args.grad_ckpt, merged=args.merged, deploy=args.deploy,
        compile=args.compile, peak_mem_mb=peak_mem_mb(args.device),
        torch=torch.__version__, python=platform.python_version(),
        date=datetime.datetime.now().isoformat(timespec='seconds'))
    print(format_table(result))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)


def format_table(r: Dict) -> str:
    lines = [f'{r["mode"]} | {osp.basename(r["config"])} | {r["device"]} '
             f'({r["device_name"]}) | batch {r["batch"]} | amp '
             f'{r["amp_dtype"]} | grad-ckpt {r["grad_ckpt"]} | compile '
             f'{r["compile"]}']
    rows = []
    if r['mode'] == 'data':
        rows = [(k, v) for k, v in r['pipelines'].items()]
    elif 'compare' in r:
        rows = list(r['compare'].items())
    else:
        rows = [('model', r)]
    for name, v in rows:
        lines.append(f'  {name:<34} {v["median"]:>10.2f} {v["unit"]} '
                     f'(min {v["min"]:.2f}, max {v["max"]:.2f})')
    for key in ('breakdown', 'ratios'):
        if key in r:
            for k, v in r[key].items():
                if isinstance(v, float):
                    lines.append(f'  {key}.{k:<28} {v:.4f}')
    if 'text_tower_runs_during_timing' in r:
        lines.append('  text tower runs during timing: '
                     f'{r["text_tower_runs_during_timing"]}')
    lines.append(f'  peak memory: {r["peak_mem_mb"]:.0f} MiB')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
