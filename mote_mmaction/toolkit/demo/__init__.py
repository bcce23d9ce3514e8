# Copyright (c) OpenMMLab. All rights reserved.
"""The embedded default (``tools/run_embedded_default.py``): synthetic
motion clips and a tiny CLIP pre-trained on them."""
