# Few-shot Something-Something v2 (all-way K-shot), MoTE paper Table 5:
# 2 epochs. No horizontal flip: it swaps "left" and "right" classes.
# `split` names the K-shot draw: --cfg-options \
#   train_dataloader.dataset.dataset.split=k4_seed2
# tools/train.py configs/mote/fewshot_sthv2.py --work-dir \
#   work_dirs/fewshot_sthv2/k16_seed1
_base_ = ['./_fewshot_base.py']

data_root = 'data/sthv2'
class_names = f'{data_root}/sthv2_class_names.txt'
full_train_videos = 168913  # something-something-v2-train.json
num_classes = 174
# make_fewshot_lists.py's K-shot draws of the full training list
kshot_lists = data_root + '/fewshot/sthv2_train_list_videos_{split}.txt'
ann_file_val = f'{data_root}/sthv2_val_list_videos.txt'
videos = data_root + '/videos'

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

# k400.py's training views without Flip
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

# From here on the same in every fewshot_*.py: MMEngine evaluates
# _fewshot_base.py on its own, so it cannot use the values above.
model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(
        length=full_train_videos,
        dataset=dict(
            ann_file=kshot_lists,
            data_prefix=dict(video=videos),
            class_names=class_names,
            pipeline=sthv2_train_pipeline)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(video=videos),
        class_names=class_names))
# merged into the test loader as into the val loader (its batch size and
# one-view pipeline stay)
test_dataloader = val_dataloader
