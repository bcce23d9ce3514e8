# Copyright (c) OpenMMLab. All rights reserved.
from .clip_blend_hook import MoTECLIPBlendHook
from .merged_export_hook import MoTEMergedExportHook
from .vocabulary_hook import MoTEVocabularyHook
from .zeroshot_eval_hook import MoTEZeroShotEvalHook

__all__ = [
    'MoTECLIPBlendHook', 'MoTEMergedExportHook', 'MoTEVocabularyHook',
    'MoTEZeroShotEvalHook'
]
