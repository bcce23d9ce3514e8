# Copyright (c) OpenMMLab. All rights reserved.
"""Speed and memory of a MoTE config: ``--mode train|infer|data|summary``.

The benchmark lives in :mod:`mote_mmaction.toolkit.benchmarking` (usage
there, in :mod:`mote_mmaction.toolkit.benchmarking.cli`, and in
``docs/benchmark.md``)::

    python tools/analysis/benchmark.py configs/mote/k400.py --mode infer \
        --batch 8 --views 12 --amp-dtype bfloat16 --compare --device cuda
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mote_mmaction.toolkit.benchmarking import main  # noqa: E402

if __name__ == '__main__':
    main()
