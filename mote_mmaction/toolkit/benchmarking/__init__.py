# Copyright (c) OpenMMLab. All rights reserved.
"""Speed and memory benchmarks of MoTE configs (``tools/analysis/
benchmark.py``), one module per mode:

* :mod:`.train`: ``model.train_step`` (clips/s) and a backbone/head split;
* :mod:`.infer`: ``model.test_step`` (views/s); ``--compare`` puts the
  4-expert model (eval merge every forward), the deploy model and TFM side
  by side;
* :mod:`.data`: the config's pipelines over video files, one worker,
  beside the decoder's ceiling (:mod:`.ceiling`), and the real DataLoader
  (:mod:`.loader`); :mod:`.decoders`: decode back-ends side by side;
  :mod:`.formats`: storage formats; :mod:`.memory`: worker RSS over time;
* :mod:`.report`: tables, and the summary against the targets.

:mod:`.models`, :mod:`.measure` and :mod:`.machine` are what the modes
share; :mod:`.cli` is the command line.
"""
from .cli import main, parse_args, run

__all__ = ['main', 'parse_args', 'run']
