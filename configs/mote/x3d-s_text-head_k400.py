# MoTE's text classifier and temporal experts on a stock MMAction2 backbone:
# X3D-S features [N, 432, T, H, W] are pooled per frame and projected to the
# CLIP text width (MoTEFeatureAdapter), so zero-shot vocabularies and the
# zero-shot configs' hooks work as with CLIP. Everything else: k400.py.
_base_ = ['./k400.py']

# Backbone weights. None: X3D-S from scratch. Better, MMAction2's K400 X3D-S
# (model zoo), its backbone part only (`load_from` cannot take the whole
# file: its X3DHead keys do not fit MoTEHead):
#   wget -P data/x3d https://download.openmmlab.com/mmaction/v1.0/recognition/x3d/facebook/x3d_s_13x6x1_facebook-kinetics400-rgb_20201027-623825a0.pth  # noqa: E501
#   python -c "import torch; from mote_mmaction.compat.safe_load import load_checkpoint_file as load; s = load('data/x3d/x3d_s_13x6x1_facebook-kinetics400-rgb_20201027-623825a0.pth')['state_dict']; torch.save({k[9:]: v for k, v in s.items() if k.startswith('backbone.')}, 'data/x3d/x3d_s_k400_backbone.pth')"  # noqa: E501
# then x3d_pretrained = 'data/x3d/x3d_s_k400_backbone.pth' and
# cnn_lr_mult = 2 (fine-tuning: AdamW 1e-4).
x3d_pretrained = None
# lr of backbone and adapter = 5e-5 x cnn_lr_mult. The base lr (5e-5) is
# MoTE's for the temporal experts; a CNN trained from scratch needs a
# CNN-scale lr (AdamW 1e-3 for the total batch of 192) and, at it, far
# less weight decay than MoTE's 0.2 (0.25 x 0.2 = 0.05). From scratch also
# train much longer than 30 epochs: X3D's own K400 schedule is ~300.
cnn_lr_mult = 20

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                  pretrained=x3d_pretrained),
    cls_head=dict(
        type='MoTEHead',
        num_classes=400,
        in_channels=512,
        text_encoder=dict(
            type='CLIPTextEncoder', arch='ViT-B-16',
            pretrained={{_base_.clip_pretrained}}),
        feature_adapter=dict(
            type='MoTEFeatureAdapter', in_channels=432, out_channels=512),
        num_layers=4,
        num_experts=4,
        tfm=dict(topk=5, gamma=0.05),
        average_clips='prob'),
    # X3D's normalisation (MMAction2's X3D configs)
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.38, 57.38, 57.38],
        format_shape='NCTHW'))
optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True,
        custom_keys={
            'backbone': dict(lr_mult=cnn_lr_mult, decay_mult=0.25),
            'cls_head.feature_adapter': dict(
                lr_mult=cnn_lr_mult, decay_mult=0.25),
            # CLIP's temperature, as k400.py
            'logit_scale': dict(lr_mult=0.07),
        }))
# no CLIP visual weights to blend with at test; no merged export
custom_hooks = [
    h for h in _base_.custom_hooks
    if h.type not in ('MoTEMergedExportHook', 'MoTECLIPBlendHook')
]
