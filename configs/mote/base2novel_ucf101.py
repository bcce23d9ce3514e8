# Base-to-novel UCF-101 (split 1): 51 base / 50 novel classes
# (first and second half in label order; --base-classes for a peer's split),
# 16 shots per base class; seeds 1-3 pick the draw (train `split`).
#   python tools/data/protocols/make_base2novel_split.py \
#       data/ucf101/ucf101_train_split_1_videos.txt \
#       data/ucf101/ucf101_val_split_1_videos.txt \
#       data/ucf101/ucf101_class_names.txt \
#       --name ucf101 --out-dir data/ucf101/base2novel
#   tools/train.py configs/mote/base2novel_ucf101.py --work-dir \
#       work_dirs/base2novel_ucf101/seed1 \
#       --cfg-options train_dataloader.dataset.dataset.split=seed1
_base_ = ['./_base2novel_base.py']

data_root = 'data/ucf101'
# make_base2novel_split.py's --out-dir and --name
split_root = data_root + '/base2novel/ucf101'
train_videos = test_videos = data_root + '/videos'
num_base_classes = 51
# the base half's share of the full training list (our choice: the
# few-shot recipe repeats K-shot sets to the full list's length)
base_train_videos = 4816

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
            class_names=base_classes)))
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
