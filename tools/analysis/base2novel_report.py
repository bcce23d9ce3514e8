# Copyright (c) OpenMMLab. All rights reserved.
"""Base-to-novel report: base, novel and HM, mean +- std over seeds.

    python tools/analysis/base2novel_report.py \
        work_dirs/base2novel_ucf101/seed*/test_{base,novel} --out b2n.json

Each RUN is the ``--work-dir`` of one ``tools/test.py`` run (or its
metrics JSON); the seed and the half are read from its path (default
pattern: ``seed<S>`` then ``base`` or ``novel``). HM is the harmonic mean
of the mean base and mean novel top-1, as ViFi-CLIP and FROSTER report;
the mean +- std of the per-seed HM is printed too.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mote_mmaction.evaluation.protocol_report import (  # noqa: E402
    base2novel_summary, collect, format_base2novel)
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('runs', nargs='+', help='test work dirs')
    parser.add_argument(
        '--pattern', default=r'seed(?P<seed>\d+).*(?P<half>base|novel)',
        help='regex with groups `seed` and `half` (base|novel)')
    parser.add_argument('--metric', default='acc/top1')
    parser.add_argument('--out', help='JSON report path')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        results = {}
        for t, top1 in collect(args.runs, args.pattern, args.metric):
            halves = results.setdefault(int(t['seed']), {})
            if t['half'] in halves:
                raise ValueError(f'two {t["half"]} runs for seed {t["seed"]}')
            halves[t['half']] = top1
        summary = base2novel_summary(results)
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(format_base2novel(summary))
    if args.out:
        atomic_write_text(args.out, json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
