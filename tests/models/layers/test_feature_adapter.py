# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE's text classifier on stock MMAction2 backbones through MMAction2's
own Recognizer3D: a CNN (X3D, ``[N, C, T, H, W]``), a transformer that
pools time (TimeSformer, ``[N, C]``) and one that keeps it (video Swin,
``[N, C, T', H', W']``): train step, test, zero-shot vocabulary; the
adapter's shapes, its init and that time reaches the temporal experts."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mote_mmaction.testing import tiny_clip_arch

TRAIN = ['moving left', 'moving right', 'growing']
ZERO_SHOT = ['jumping', 'falling', 'waving', 'rolling']

# config, channels C, time steps T' of a 4-frame clip
BACKBONES = {
    # X3D-S (configs/mote/x3d-s_text-head_k400.py) cut to two stages at
    # half width: seconds less per step on a CPU, the same block types
    'x3d': (dict(type='X3D', gamma_w=0.5, gamma_b=2.25, gamma_d=1,
                 num_stages=2, spatial_strides=(2, 2)), 72, 4),
    'timesformer': (dict(type='TimeSformer', num_frames=4, img_size=32,
                         patch_size=16, embed_dims=48, num_heads=2,
                         num_transformer_layers=1,
                         attention_type='divided_space_time'), 48, 1),
    # patch_size[0] = 2: T' = T / 2
    'swin3d': (dict(type='SwinTransformer3D', pretrained2d=False,
                    arch=dict(embed_dims=16, depths=[1, 1],
                              num_heads=[1, 2]),
                    patch_size=(2, 4, 4), window_size=(2, 4, 4),
                    out_indices=(1, ), drop_path_rate=0.), 32, 2),
}


@pytest.fixture(scope='module')
def text_encoder():
    """One frozen tiny text tower for the module, with one prompt template
    (building and running it costs more than a tiny backbone's step)."""
    return MODELS.build(dict(type='CLIPTextEncoder', arch=tiny_clip_arch(),
                             templates=['a video of a person {}.']))


def recognizer(backbone: str, text_encoder):
    cfg, channels, _ = BACKBONES[backbone]
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=cfg,
        cls_head=dict(
            type='MoTEHead', num_classes=len(TRAIN), in_channels=64,
            class_names=TRAIN, num_layers=1,
            text_encoder=dict(type='CLIPTextEncoder', arch=tiny_clip_arch()),
            feature_adapter=dict(type='MoTEFeatureAdapter',
                                 in_channels=channels, out_channels=64)),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', mean=[123.7, 116.3, 103.5],
            std=[58.4, 57.1, 57.4], format_shape='NCTHW')))
    model.cls_head.text_encoder = text_encoder
    return model


@pytest.mark.parametrize('backbone', sorted(BACKBONES))
def test_stock_backbone_trains_tests_and_zero_shots(backbone, text_encoder):
    """One train step reaches adapter and backbone; test and zero-shot
    scores have one column per class of the vocabulary in use."""
    torch.manual_seed(0)
    model = recognizer(backbone, text_encoder)
    model.init_weights()  # as the Runner does: reaches the adapter
    w = model.cls_head.feature_adapter.proj.weight
    sigma = BACKBONES[backbone][1]**-0.5
    assert abs(w.std().item() - sigma) < 5 * sigma / (2 * w.numel())**0.5
    inputs = [torch.randint(0, 255, (1, 3, 4, 32, 32)).float()
              for _ in range(2)]
    samples = [ActionDataSample().set_gt_label(i) for i in range(2)]
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), training=True)
    steps = BACKBONES[backbone][2]
    frames = model.cls_head.frame_features(model.extract_feat(
        data['inputs'])[0])
    assert frames.shape == (2, steps, 64)
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


def test_time_kept_by_a_transformer_reaches_the_experts(text_encoder):
    """Video Swin keeps a time axis (unlike TimeSformer): the adapter gives
    T' > 1 steps, and the temporal module's clip output depends on their
    order. Control: without frame positions attention and per-frame FFNs
    are permutation-equivariant, so order would not matter; the positions
    carry time into the experts."""
    torch.manual_seed(0)
    model = recognizer('swin3d', text_encoder)
    model.eval()
    video = torch.randn(2, 3, 8, 32, 32)
    with torch.no_grad():
        feats = model.extract_feat(video[:, None])[0]  # one view
        assert feats.shape == (2, 32, 4, 4, 4)
        head = model.cls_head
        x = head.frame_features(feats)
        assert x.shape == (2, 4, 64)

        def clip_output(frames):
            return head.temporal(frames).mean(dim=1)

        forward, backward = clip_output(x), clip_output(x.flip(1))
        assert not torch.allclose(forward, backward, atol=1e-4)
        head.temporal.frame_position_embeddings.weight.zero_()
        torch.testing.assert_close(clip_output(x.flip(1)), clip_output(x))


def test_init_weights_gives_normal_weights_and_zero_bias():
    """Default init_cfg: N(0, in_channels**-0.5) weights, zero bias, applied
    by init_weights (as the Runner calls it), not at construction."""
    torch.manual_seed(0)
    c = 1024
    adapter = MODELS.build(dict(type='MoTEFeatureAdapter', in_channels=c,
                                out_channels=512, bias=True))
    w = adapter.proj.weight
    # construction leaves PyTorch's uniform init, std (3 C)**-0.5
    assert abs(w.std().item() - (3 * c)**-0.5) < 0.01 * (3 * c)**-0.5
    adapter.init_weights()
    n, sigma = w.numel(), c**-0.5
    se = sigma / (2 * n)**0.5  # standard error of the sample std
    assert abs(w.std().item() - sigma) < 5 * se
    assert abs(w.mean().item()) < 5 * sigma / n**0.5
    # normal, not uniform with the same std: kurtosis 3 (uniform: 1.8)
    kurtosis = ((w - w.mean())**4).mean() / w.var()**2
    assert abs(kurtosis.item() - 3) < 5 * (24 / n)**0.5
    assert torch.equal(adapter.proj.bias, torch.zeros(512))


def test_init_cfg_overrides_the_default():
    adapter = MODELS.build(dict(
        type='MoTEFeatureAdapter', in_channels=8, out_channels=4, bias=True,
        init_cfg=dict(type='Constant', layer='Linear', val=0.5, bias=0.25)))
    adapter.init_weights()
    assert torch.equal(adapter.proj.weight, torch.full((4, 8), 0.5))
    assert torch.equal(adapter.proj.bias, torch.full((4, ), 0.25))


def test_adapter_shapes_and_errors():
    adapter = MODELS.build(dict(type='MoTEFeatureAdapter', in_channels=8,
                                out_channels=4))
    assert adapter.proj.bias is None
    assert adapter(torch.randn(2, 8, 3, 5, 5)).shape == (2, 3, 4)
    assert adapter(torch.randn(2, 8)).shape == (2, 1, 4)
    assert adapter(torch.randn(2, 6, 8)).shape == (2, 6, 4)
    # spatial mean pooling, per time step
    x = torch.randn(1, 8, 2, 3, 3)
    torch.testing.assert_close(
        adapter(x)[0, 1], adapter.proj(x[0, :, 1].mean(dim=(1, 2))))
    with pytest.raises(ValueError, match='C = 8'):
        adapter(torch.randn(2, 5, 3, 1, 1))
