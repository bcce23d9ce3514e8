# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE for MMAction2.

Importing this package first applies the compat patches (see
:mod:`mote_mmaction.compat`), then registers every MoTE part in MMAction2's
registries, so configs only need::

    custom_imports = dict(imports=['mote_mmaction'],
                          allow_failed_imports=False)

Tool libraries (:mod:`mote_mmaction.toolkit`) and test helpers
(:mod:`mote_mmaction.testing`) are not imported here.
"""
from .compat import apply_all as _apply_compat

_apply_compat()

# registered upstream workarounds: atomic checkpoints, exact resume
from .compat import checkpoint_hook, resume_hook, seeded_sampler  # noqa: E402,F401,E501,I001
from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402
from .compat.argument_hints import hint_unknown_arguments  # noqa: E402

# a typo in a config names the part, the key and the nearest valid name
hint_unknown_arguments()

__all__ = ['__version__']
