# Zero-shot HMDB-51, 3 official test splits, all 51 classes.
# Choose the split with --cfg-options test_dataloader.dataset.split=2
# tools/test.py configs/mote/zeroshot_hmdb51.py CKPT
_base_ = ['./_zeroshot_base.py']

data_root = 'data/hmdb51'
test_dataloader = dict(
    batch_size=4,
    dataset=dict(
        type='MoTEVideoDataset',
        split=1,
        ann_file=data_root + '/hmdb51_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root + '/videos'),
        class_names=data_root + '/hmdb51_class_names.txt',
        pipeline={{_base_.zeroshot_pipeline}},
        test_mode=True))
