# MoTE, CLIP ViT-L/14, 16 frames x 224 px (the paper's 87.2 top-1 model;
# the authors released no config or checkpoint for it). Train and test:
# tools/test.py configs/mote/k400_vit-l14_16f.py CKPT  (4 clips x 3 crops)
_base_ = ['./k400_vit-l14.py']


train_dataloader = dict(
    batch_size=9,
    dataset=dict(pipeline=[
        dict(
            type='MoTEVideoInit',
            backend={{_base_.video_backend}},
            io_backend='disk'),
        dict(type='UniformSample', clip_len=16, num_clips=1),
        dict(type='MoTEVideoDecode'),
        dict(type='Resize', scale=(-1, 256), interpolation='bicubic'),
        dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
        dict(type='Resize', scale=(224, 224), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='MoTERandomGrayscale', p=0.2),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]))
val_dataloader = dict(
    batch_size=9,
    dataset=dict(pipeline=[
        dict(
            type='MoTEVideoInit',
            backend={{_base_.video_backend}},
            io_backend='disk'),
        dict(type='MoTETestSample', clip_len=16, num_clips=1),
        dict(type='MoTEVideoDecode'),
        dict(type='MoTETestResize', short_side=224),
        dict(type='MoTETestCrop', crop_size=224, num_crops=1),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]))
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MoTEVideoInit',
            backend={{_base_.video_backend}},
            io_backend='disk'),
        dict(type='MoTETestSample', clip_len=16, num_clips=4),
        dict(type='MoTEVideoDecode'),
        dict(type='MoTETestResize', short_side=224),
        dict(type='MoTETestCrop', crop_size=224, num_crops=3),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]))
