# The embedded default: MoTE on a tiny CLIP (pre-trained in seconds on
# captioned generated frames), fine-tuned on generated clips of coloured
# shapes whose classes need the order of the frames, and tested zero-shot on
# held-out colour-shape classes. CPU, about a minute of training.
# Data and tiny CLIP first (or all of it: python tools/run_embedded_default.py)
#   python tools/data/make_motion_demo.py
#   python tools/train.py configs/mote/demo_tiny_motion.py
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/motion_demo'
clip_file = data_root + '/tiny_clip.pth'  # made by make_motion_demo.py
num_frames = 8
tiny_arch = dict(
    embed_dim=64,
    vision_cfg=dict(
        image_size=32, layers=2, width=64, head_width=32, patch_size=8),
    # the demo's prompts are short: 32 tokens instead of CLIP's 77
    text_cfg=dict(
        context_length=32, vocab_size=49408, width=64, heads=2, layers=2))

model = dict(
    type='MoTERecognizer',
    backbone=dict(type='CLIPViT', arch=tiny_arch, pretrained=clip_file),
    cls_head=dict(
        type='MoTEHead',
        num_classes=8,
        in_channels=64,
        text_encoder=dict(
            type='CLIPTextEncoder', arch=tiny_arch, pretrained=clip_file),
        num_layers=2,
        num_experts=4,
        # CLIP's trained scale (100): the tiny CLIP's own is lower, and
        # names of a time-reversal pair differ by one word
        logit_scale_init=4.6052,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[122.771, 116.746, 104.093],
        std=[68.500, 66.632, 70.323],
        format_shape='NCTHW'))

train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    # no Flip (it swaps left and right) and no grayscale (colours name the
    # classes here)
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='UniformSample', clip_len=num_frames, num_clips=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 32)),
    dict(type='CenterCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='UniformSample', clip_len=num_frames, num_clips=2,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 32)),
    dict(type='ThreeCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]


def _dataset(split, classes, pipeline, test_mode):
    return dict(
        type='MoTEVideoDataset',
        ann_file=f'{data_root}/{split}.txt',
        data_prefix=dict(video=data_root),
        class_names=f'{data_root}/{classes}_classes.txt',
        pipeline=pipeline,
        test_mode=test_mode,
        missing_hint='generate the demo data first: '
        'python tools/data/make_motion_demo.py')


# Short runs: workers are not kept between epochs (a Runner's persistent
# workers are only shut down when garbage-collected, which stalls the next
# Runner of the embedded default for seconds).
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=_dataset('train', 'train', train_pipeline, False))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('val', 'train', val_pipeline, True))
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('val', 'train', test_pipeline, True))
# Held-out classes, never seen in training, scored by their own names.
zeroshot_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('zeroshot', 'zeroshot', val_pipeline, True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

# 12 epochs of 192 clips: about 300 steps, 25 s per model on 2 CPU cores.
# Validated (close-set and zero-shot) every epoch, so the curves of
# tools/analysis/plot_curves.py and plot_tradeoff.py have a shape.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=12, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-3, betas=(0.9, 0.999),
                   weight_decay=0.05),
    # as MoTE: the CLIP side moves slower than the new temporal layers
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.3),
        'logit_scale': dict(lr_mult=0.3)
    }))
# one process x 8 clips; `--auto-scale-lr` rescales lr for other batch sizes
auto_scale_lr = dict(enable=False, base_batch_size=8)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1,
         end=12, T_max=11, convert_to_iter_based=True)
]

# default_runtime.py's hooks (no CLIP blend: no clip_blend_alpha here)
# and the held-out classes scored at each validation
custom_hooks = [
    h for h in _base_.custom_hooks
    if h.type != 'MoTECLIPBlendHook'
] + [
    dict(
        type='MoTEZeroShotEvalHook',
        datasets=[dict(name='heldout', dataloader=zeroshot_dataloader)])
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=12, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
