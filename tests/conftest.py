# Copyright (c) OpenMMLab. All rights reserved.
import mote_mmaction  # noqa: F401  (compat patches before mmaction.models)
from mmaction.utils import register_all_modules

register_all_modules(init_default_scope=True)
