# configs/mote/k400_vit-l14_16f.py sharded with FSDP (MMEngine's
# FlexibleRunner + FSDPStrategy): parameters, gradients and AdamW states
# are split across the GPUs, for ViT-L/14 16-frame training on GPUs too
# small for a full replica (docs/benchmark.md, "GPU memory and FSDP").
#   tools/dist_train.sh configs/mote/k400_vit-l14_16f_fsdp.py 8
_base_ = ['./k400_vit-l14_16f.py']

runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        type='MMFullyShardedDataParallel',
        # one FSDP unit per transformer block (ViT-L/14: ~12.6 M params
        # each), so only one block's full parameters exist at a time
        auto_wrap_policy=dict(
            type='torch.distributed.fsdp.wrap.size_based_auto_wrap_policy',
            min_num_params=int(1e7)),
        # per-parameter groups (CLIP lr ratio, no decay) need the
        # original parameters, not FSDP's flat ones
        use_orig_params=True),
    # one full checkpoint on rank 0, loadable by the plain Runner and
    # tools/test.py; 'local' saves one shard per rank instead
    state_dict_cfg='full')
