# Copyright (c) OpenMMLab. All rights reserved.
from .feature_adapter import MoTEFeatureAdapter
from .temporal_experts import (MoTEExpertsFFN, merge_coefficients,
                               merge_expert_weights, routing_probs,
                               tau_candidates)
from .temporal_modulation import temporal_modulation
from .temporal_transformer import MoTEBlock, MoTETemporalTransformer

__all__ = [
    'MoTEFeatureAdapter', 'MoTEExpertsFFN', 'MoTEBlock',
    'MoTETemporalTransformer',
    'merge_coefficients', 'merge_expert_weights', 'routing_probs',
    'tau_candidates', 'temporal_modulation'
]
