# Few-shot UCF-101 (all-way K-shot, split 1), MoTE paper Table 5.
# `split` names the K-shot draw: --cfg-options \
#   train_dataloader.dataset.dataset.split=k4_seed2
# tools/train.py configs/mote/fewshot_ucf101.py --work-dir \
#   work_dirs/fewshot_ucf101/k16_seed1
_base_ = ['./_fewshot_base.py']

data_root = 'data/ucf101'
class_names = f'{data_root}/ucf101_class_names.txt'
full_train_videos = 9537  # official trainlist01.txt
num_classes = 101
# make_fewshot_lists.py's K-shot draws of the full training list
kshot_lists = data_root + '/fewshot/ucf101_train_split_1_videos_{split}.txt'
ann_file_val = f'{data_root}/ucf101_val_split_1_videos.txt'
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
