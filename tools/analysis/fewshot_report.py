# Copyright (c) OpenMMLab. All rights reserved.
"""Few-shot report: top-1 mean +- std over seeds per K (paper Table 5).

    python tools/analysis/fewshot_report.py work_dirs/fewshot_ucf101/*/test \
        --out fewshot_ucf101.json

Each RUN is the ``--work-dir`` of one ``tools/test.py`` run (or its
metrics JSON); K and the seed are read from its path (default pattern
``k<K>_seed<S>``, e.g. ``work_dirs/fewshot_ucf101/k16_seed1/test``).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mote_mmaction.evaluation.protocol_report import (  # noqa: E402
    collect, fewshot_summary, format_fewshot)
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('runs', nargs='+', help='test work dirs')
    parser.add_argument(
        '--pattern', default=r'k(?P<shots>\d+)_seed(?P<seed>\d+)',
        help='regex with groups `shots` and `seed`, searched in each path')
    parser.add_argument('--metric', default='acc/top1')
    parser.add_argument('--out', help='JSON report path')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        results = {}
        for t, top1 in collect(args.runs, args.pattern, args.metric):
            key = (int(t['shots']), int(t['seed']))
            if key in results:
                raise ValueError(f'two runs for K={key[0]} seed={key[1]}')
            results[key] = top1
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f'error: {e}')
    summary = fewshot_summary(results)
    print(format_fewshot(summary))
    if args.out:
        atomic_write_text(args.out, json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
