# MoTE's text classifier and temporal experts on a stock MMAction2 backbone:
# X3D-S features [N, 432, T, H, W] are pooled per frame and projected to the
# CLIP text width (MoTEFeatureAdapter), so zero-shot vocabularies and the
# zero-shot configs' hooks work as with CLIP. Everything else: k400.py.
_base_ = ['./k400.py']

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(
        type='MoTEHead',
        num_classes=400,
        in_channels=512,
        class_names={{_base_.class_names}},
        text_encoder=dict(
            type='CLIPTextEncoder', arch='ViT-B-16',
            pretrained={{_base_.clip_pretrained}}),
        feature_adapter=dict(
            type='MoTEFeatureAdapter', in_channels=432, out_channels=512),
        num_layers=4,
        num_experts=4,
        tfm=dict(topk=5, gamma=0.05),
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.38, 57.38, 57.38],
        format_shape='NCTHW'))
# the whole model trains at the head's lr (no CLIP tower to protect)
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
# no CLIP visual weights to blend with at test
custom_hooks = [
    dict(type='MoTERoutingStepHook'),
    dict(type='MoTEVocabularyHook'),
    dict(type='MoTEBadVideoReportHook'),
    dict(type='MoTENaNGuardHook'),
    dict(type='MoTEScoreCheckHook'),
    dict(type='MoTEClassCheckHook'),
]
