# Few-shot HMDB-51 (all-way K-shot, split 1), MoTE paper Table 5.
# `split` names the K-shot draw: --cfg-options \
#   train_dataloader.dataset.dataset.split=k4_seed2
# tools/train.py configs/mote/fewshot_hmdb51.py --work-dir \
#   work_dirs/fewshot_hmdb51/k16_seed1
_base_ = ['./_fewshot_base.py']

data_root = 'data/hmdb51'
class_names = f'{data_root}/hmdb51_class_names.txt'
full_train_videos = 3570  # official split 1: 70 per class
num_classes = 51
# make_fewshot_lists.py's K-shot draws of the full training list
kshot_lists = data_root + '/fewshot/hmdb51_train_split_1_videos_{split}.txt'
ann_file_val = f'{data_root}/hmdb51_val_split_1_videos.txt'
videos = data_root + '/videos'

# From here on the same in every fewshot_*.py: MMEngine evaluates
# _fewshot_base.py on its own, so it cannot use the values above.
model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(
        length=full_train_videos,
        dataset=dict(
            ann_file=kshot_lists,
            data_prefix=dict(video=videos),
            class_names=class_names)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(video=videos),
        class_names=class_names))
# merged into the test loader as into the val loader (its batch size and
# one-view pipeline stay)
test_dataloader = val_dataloader
