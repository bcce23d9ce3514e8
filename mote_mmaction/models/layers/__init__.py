# Copyright (c) OpenMMLab. All rights reserved.
from .expert_router import (MoTERouter, find_routers, rank_softmax,
                            tau_candidates)
from .feature_adapter import MoTEFeatureAdapter
from .temporal_experts import (MoTEExpertsFFN, merge_expert_weights,
                               normalize_merge_coeffs)
from .temporal_modulation import temporal_modulation
from .temporal_transformer import MoTEBlock, MoTETemporalTransformer

__all__ = [
    'MoTEFeatureAdapter', 'MoTEExpertsFFN', 'MoTEBlock', 'MoTERouter',
    'MoTETemporalTransformer', 'merge_expert_weights',
    'find_routers', 'normalize_merge_coeffs', 'rank_softmax',
    'tau_candidates',
    'temporal_modulation'
]
