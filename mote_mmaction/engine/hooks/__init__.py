# Copyright (c) OpenMMLab. All rights reserved.
from .bad_video_hook import MoTEBadVideoReportHook
from .class_check_hook import MoTEClassCheckHook
from .clip_blend_hook import MoTECLIPBlendHook
from .merged_export_hook import MoTEMergedExportHook
from .nan_guard_hook import MoTENaNGuardHook
from .routing_step_hook import MoTERoutingStepHook
from .score_check_hook import MoTEScoreCheckHook
from .tfm_log_hook import MoTETFMLogHook
from .visualization_hook import MoTEVisualizationHook
from .vocabulary_hook import MoTEVocabularyHook
from .work_dir_lock_hook import MoTEWorkDirLockHook
from .zeroshot_eval_hook import MoTEZeroShotEvalHook

__all__ = [
    'MoTEBadVideoReportHook', 'MoTECLIPBlendHook', 'MoTEClassCheckHook',
    'MoTEMergedExportHook', 'MoTENaNGuardHook', 'MoTERoutingStepHook',
    'MoTEScoreCheckHook', 'MoTETFMLogHook', 'MoTEVisualizationHook',
    'MoTEVocabularyHook', 'MoTEWorkDirLockHook', 'MoTEZeroShotEvalHook'
]
