# Base-to-novel Something-Something v2: 87 base / 87 novel classes
# (first and second half in label order; --base-classes for a peer's split),
# 16 shots per base class; seeds 1-3 pick the draw (train `split`).
# 2 epochs, no flip.
#   python tools/data/protocols/make_base2novel_split.py \
#       data/sthv2/sthv2_train_list_videos.txt \
#       data/sthv2/sthv2_val_list_videos.txt \
#       data/sthv2/sthv2_class_names.txt \
#       --name sthv2 --out-dir data/sthv2/base2novel
#   tools/train.py configs/mote/base2novel_sthv2.py --work-dir \
#       work_dirs/base2novel_sthv2/seed1 \
#       --cfg-options train_dataloader.dataset.dataset.split=seed1
_base_ = ['./_base2novel_base.py']

data_root = 'data/sthv2'
# make_base2novel_split.py's --out-dir and --name
split_root = data_root + '/base2novel/sthv2'
train_videos = test_videos = data_root + '/videos'
num_base_classes = 87
# the base half's share of the full training list (our choice: the
# few-shot recipe repeats K-shot sets to the full list's length)
base_train_videos = 84456

# fewshot_sthv2.py's schedule and training views, restated: MMEngine cannot
# inherit both files (two k400.py chains give duplicate keys among bases)
max_epochs = 2
warmup_epochs = 1  # our choice (the paper gives the epochs only)
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, T_max=max_epochs - warmup_epochs,
         convert_to_iter_based=True)
]

# k400.py's training views without Flip (it swaps "left" and "right")
sthv2_train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256), interpolation='bicubic'),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='MoTERandomGrayscale', p=0.2),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

# From here on the same in every base2novel_*.py: MMEngine evaluates
# _base2novel_base.py on its own, so it cannot use the values above.
base_classes = split_root + '_base_classes.txt'
model = dict(
    cls_head=dict(num_classes=num_base_classes))
train_dataloader = dict(
    dataset=dict(
        length=base_train_videos,
        dataset=dict(
            ann_file=split_root + '_base_train_k16_{split}.txt',
            data_prefix=dict(video=train_videos),
            class_names=base_classes,
            pipeline=sthv2_train_pipeline)))
# the test list's files; `split` ('base' or 'novel') picks the half
test_files = dict(
    ann_file=split_root + '_{split}_test.txt',
    data_prefix=dict(video=test_videos),
    class_names=split_root + '_{split}_classes.txt')
val_dataloader = dict(dataset=test_files)
test_dataloader = dict(dataset=test_files)
# k400.py's hooks, and each validation also scores the novel half with its
# own class names (zeroshot/novel/top1; zeroshot/tradeoff = base-novel HM).
# MMEngine merges no dict inside a list: the hook's loader is completed here.
novel_dataloader = dict(
    _base_.novel_dataloader,
    dataset=dict(_base_.novel_dataloader.dataset, **test_files))
custom_hooks = _base_.custom_hooks + [
    dict(
        type='MoTEZeroShotEvalHook',
        datasets=[dict(name='novel', dataloader=novel_dataloader)])
]
