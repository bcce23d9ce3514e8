# configs/mote/k400.py with weight averaging: MMEngine's EMAHook keeps an
# exponential moving average of every weight (all experts included); val,
# test, checkpoints and the merged export (mote_merged.pth) use it.
_base_ = ['./k400.py']

custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL'),
    dict(type='MoTEVocabularyHook'),
    dict(type='MoTEBadVideoReportHook'),
    dict(type='MoTENaNGuardHook'),
    dict(type='MoTEClassCheckHook'),
    dict(type='MoTEMergedExportHook'),
    dict(type='MoTECLIPBlendHook'),
]
