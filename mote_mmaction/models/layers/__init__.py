# Copyright (c) OpenMMLab. All rights reserved.
from .expert_router import (MoTERouter, rank_softmax, set_routing_step,
                            tau_candidates)
from .feature_adapter import MoTEFeatureAdapter
from .temporal_experts import (MoTEExpertsFFN, merge_expert_weights,
                               normalize_merge_coeffs)
from .temporal_modulation import temporal_modulation
from .temporal_transformer import MoTEBlock, MoTETemporalTransformer

__all__ = [
    'MoTEFeatureAdapter', 'MoTEExpertsFFN', 'MoTEBlock', 'MoTERouter',
    'MoTETemporalTransformer', 'merge_expert_weights',
    'normalize_merge_coeffs', 'rank_softmax', 'set_routing_step',
    'tau_candidates',
    'temporal_modulation'
]
