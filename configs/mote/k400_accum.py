# k400.py's recipe (total batch 192 = 8 GPUs x 24 clips) on fewer or
# smaller GPUs, by gradient accumulation: 2 GPUs x 24 clips x 4 steps.
#   tools/dist_train.sh configs/mote/k400_accum.py 2
# Other layouts keep GPUs x batch_size x accumulative_counts = 192, e.g.
#   1 GPU:            --cfg-options optim_wrapper.accumulative_counts=8
#   8 GPUs of 24 GB:  --cfg-options train_dataloader.batch_size=12 \
#                         optim_wrapper.accumulative_counts=2
# MMEngine divides each micro-batch loss by accumulative_counts and, under
# DDP, skips the gradient all-reduce of the steps without an update
# (no_sync), so each update averages 192 clips as in k400.py. The learning
# rate schedule is per iteration over the same epochs (convert_to_iter_based),
# so it follows the same curve. Unlike a real batch of 192, the logits of
# each micro-batch are normalised over 24 clips only, which is all MoTE's
# losses see (no batch statistics: CLIP has no BatchNorm).
_base_ = ['./k400.py']

num_gpus = 2
accumulative_counts = 4
optim_wrapper = dict(accumulative_counts=accumulative_counts)
train_dataloader = dict(batch_size=24)
