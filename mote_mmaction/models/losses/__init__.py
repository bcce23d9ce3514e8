# Copyright (c) OpenMMLab. All rights reserved.
from .feature_mse import MoTEFeatureMSELoss

__all__ = ['MoTEFeatureMSELoss']
