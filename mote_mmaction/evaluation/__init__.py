# Copyright (c) OpenMMLab. All rights reserved.
from .zeroshot_report import (format_summary, harmonic_mean, mean_std,
                              zeroshot_summary)

__all__ = ['format_summary', 'harmonic_mean', 'mean_std', 'zeroshot_summary']
