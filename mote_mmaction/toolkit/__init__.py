# Copyright (c) OpenMMLab. All rights reserved.
"""Libraries of the command-line tools (``tools/``), never imported by a
train or test run:

* :mod:`.benchmarking`: ``tools/analysis/benchmark.py``;
* :mod:`.lists`: video lists and class-name files for ``tools/data``;
* :mod:`.demo`: the embedded default's data and tiny CLIP.
"""
