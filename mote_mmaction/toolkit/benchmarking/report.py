# Copyright (c) OpenMMLab. All rights reserved.
"""Result tables, and the summary of several results against the performance
targets.
"""
import datetime
import glob
import json
import os.path as osp
from typing import Dict, Sequence


# Performance targets of the project (docs/benchmark.md), H100, bf16.
TARGETS = dict(
    train_clips_per_s=580.0,
    infer_views_per_s=1750.0,
    head_share=0.03,
    merged_over_deploy=1.02,
    tfm_share=0.01,
    text_tower_runs=0)


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
        if 'ceiling_frames_per_s' in v:
            lines.append('     ' + format_ceiling(v))
    for name, v in (r.get('loader') or {}).items():
        lines.append('   ' + format_loader(name, v))
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


def format_ceiling(v: Dict) -> str:
    """``ceiling ... | frames/clip ... | fraction ...`` of a data row."""

    def num(x, fmt='.3g'):
        return '-' if x is None else format(x, fmt)

    return (f'decoder ceiling {num(v["ceiling_frames_per_s"], ".0f")} '
            f'frames/s -> {num(v["ceiling_rate"])} '
            f'{v["unit"].split(" per")[0]} | frames/clip: GOP '
            f'{num(v["gop_frames_per_clip"])}, decoded '
            f'{num(v["decoded_frames_per_clip"])} | fraction of ceiling '
            f'{num(v["fraction_of_ceiling"], ".0%")}')


def format_loader(name: str, v: Dict) -> str:
    """One line of the real DataLoader run: rate per worker count."""
    cells = ', '.join(
        f'{w} worker{"s" if w != "1" else ""} {r["median"]:.3g} '
        f'({r["min"]:.3g}-{r["max"]:.3g}, x{v["scaling"][w]:.2f})'
        for w, r in v['by_workers'].items())
    return (f'DataLoader {name}: {cells} {v["unit"]} (batch {v["batch"]}, '
            f'{v["collate"]}, pin_memory {v["pin_memory"]})')


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
