# Deploy form of configs/mote/k400.py: one FFN per temporal layer (experts
# merged by tools/merge_experts.py or MoTEMergedExportHook). Same outputs
# at test, the cost of a plain temporal transformer.
_base_ = ['./k400.py']

model = dict(cls_head=dict(num_experts=1))
# test only: no training checks, nothing to merge
custom_hooks = [
    h for h in _base_.custom_hooks if h.type in (
        'MoTEVocabularyHook', 'MoTEBadVideoReportHook', 'MoTECLIPBlendHook')
]
