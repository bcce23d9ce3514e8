# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE's text classifier on stock MMAction2 backbones: a CNN (X3D,
``[N, C, T, H, W]``) and a transformer (TimeSformer, ``[N, C]``) through
MMAction2's own Recognizer3D: train step, test, zero-shot vocabulary."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mote_mmaction.testing import tiny_clip_arch

TRAIN = ['moving left', 'moving right', 'growing']
ZERO_SHOT = ['jumping', 'falling', 'waving', 'rolling']

BACKBONES = {
    'x3d': (dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2), 432),
    'timesformer': (dict(type='TimeSformer', num_frames=4, img_size=32,
                         patch_size=16, embed_dims=48, num_heads=2,
                         num_transformer_layers=1,
                         attention_type='divided_space_time'), 48),
}


def recognizer(backbone: str):
    cfg, channels = BACKBONES[backbone]
    arch = tiny_clip_arch()
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=cfg,
        cls_head=dict(
            type='MoTEHead', num_classes=len(TRAIN), in_channels=64,
            class_names=TRAIN, num_layers=1,
            text_encoder=dict(type='CLIPTextEncoder', arch=arch),
            feature_adapter=dict(type='MoTEFeatureAdapter',
                                 in_channels=channels, out_channels=64)),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', mean=[123.7, 116.3, 103.5],
            std=[58.4, 57.1, 57.4], format_shape='NCTHW')))


@pytest.mark.parametrize('backbone', sorted(BACKBONES))
def test_stock_backbone_trains_tests_and_zero_shots(backbone):
    torch.manual_seed(0)
    model = recognizer(backbone)
    inputs = [torch.randint(0, 255, (1, 3, 4, 32, 32)).float()
              for _ in range(2)]
    samples = [ActionDataSample().set_gt_label(i) for i in range(2)]
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_wmr', 'loss_mse'} <= set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grad = model.cls_head.feature_adapter.proj.weight.grad
    assert grad is not None and grad.abs().sum() > 0  # adapter trains
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())  # and the backbone

    model.eval()

    def predict():
        data = model.data_preprocessor(dict(
            inputs=inputs,
            data_samples=[ActionDataSample().set_gt_label(0)
                          for _ in range(2)]))
        return model(**data, mode='predict')

    with torch.no_grad():
        preds = predict()
        assert preds[0].pred_score.shape == (len(TRAIN), )
        model.cls_head.set_vocabulary(ZERO_SHOT)
        preds = predict()
    assert preds[0].pred_score.shape == (len(ZERO_SHOT), )
    torch.testing.assert_close(preds[0].pred_score.sum(), torch.tensor(1.0))


def test_adapter_shapes_and_errors():
    adapter = MODELS.build(dict(type='MoTEFeatureAdapter', in_channels=8,
                                out_channels=4))
    assert adapter(torch.randn(2, 8, 3, 5, 5)).shape == (2, 3, 4)
    assert adapter(torch.randn(2, 8)).shape == (2, 1, 4)
    assert adapter(torch.randn(2, 6, 8)).shape == (2, 6, 4)
    # spatial mean pooling, per time step
    x = torch.randn(1, 8, 2, 3, 3)
    torch.testing.assert_close(
        adapter(x)[0, 1], adapter.proj(x[0, :, 1].mean(dim=(1, 2))))
    with pytest.raises(ValueError, match='C = 8'):
        adapter(torch.randn(2, 5, 3, 1, 1))
