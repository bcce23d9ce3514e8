# Copyright (c) OpenMMLab. All rights reserved.
"""Every workaround for upstream behaviour, in one room.

Each module names the upstream issue it works around and the versions it
guards; nothing here imports the rest of ``mote_mmaction``.

* :mod:`.patches`: patches of upstream modules at import time
  (:func:`apply_all`, run by ``import mote_mmaction``);
* :mod:`.safe_load`, :mod:`.torchscript_weights`: checkpoints and CLIP
  files read without running code from them (every scheme);
* :mod:`.checkpoint_fit`: the one check that a checkpoint sets every
  weight (MMEngine loads non-strictly and only warns);
* :mod:`.atomic_io`, :mod:`.checkpoint_hook`: files written atomically,
  checkpoints included;
* :mod:`.sample_seed`, :mod:`.seeded_sampler`, :mod:`.resume_hook`: exact
  resume (MMEngine restarts an epoch's order and augmentation draws);
* :mod:`.torchcodec_ffmpeg`: FFmpeg libraries for torchcodec wheels;
* :mod:`.launch`: ``--launcher pytorch`` without CUDA, and the config
  rewrites ``tools/train.py`` and ``tools/test.py`` apply;
* :mod:`.run_dir`: one training run per work dir, a log folder per run;
* :mod:`.argument_hints`: a misspelt keyword of a MoTE part names the
  config key and the nearest valid name (Python's ``TypeError`` names a
  base class);
* :mod:`.tool_commands`: hints name ``tools/`` scripts as the user can
  run them (``mim run mote_mmaction ...`` where ``tools/`` is not on disk).
"""
from .patches import APPLIED, apply_all

__all__ = ['APPLIED', 'apply_all']
