# Deploy form of configs/mote/k400.py: one FFN per temporal layer (experts
# merged by tools/merge_experts.py or MoTEMergedExportHook). Same outputs
# at test, the cost of a plain temporal transformer.
_base_ = ['./k400.py']

model = dict(cls_head=dict(num_experts=1))
custom_hooks = [
    dict(type='MoTEVocabularyHook'),
    dict(type='MoTEBadVideoReportHook'),
    dict(type='MoTECLIPBlendHook')
]
