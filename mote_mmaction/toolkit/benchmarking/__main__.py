# Copyright (c) OpenMMLab. All rights reserved.
"""``python -m mote_mmaction.toolkit.benchmarking``: the same as
tools/analysis/benchmark.py."""
from .cli import main

main()
