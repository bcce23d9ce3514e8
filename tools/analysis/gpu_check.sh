#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
#
# GPU checks of the performance targets in docs/benchmark.md, in one call on
# one GPU (docs/benchmark.md, "GPU check"). Every step is time-boxed and
# failure-isolated (a failing step records its error; the rest go on), and
# the whole run stays under BUDGET_S (default 450 s, under 8 minutes on one
# H100 with Python start-up); steps that no longer fit are skipped and
# listed at the end.
#
#   bash tools/analysis/gpu_check.sh 2>&1 | tee "$OUT/gpu_check.log"
#
# Step 0 (bundle): where BUNDLE (default gpu_bundle, made by
# tools/analysis/gpu_bundle.sh download) holds wheels, they are installed
# offline into BUNDLE_SITE and put first on PYTHONPATH, and torchcodec is
# pointed at PyAV's FFmpeg; `import mote_mmaction` then applies the compat
# patches, and bundle.json records versions and patches.
#
# Steps (ViT-B/16 8x224, configs/mote/k400.py, bf16, random weights):
#   train_ckpt / train_nockpt   train step with / without grad checkpointing
#                               (config batch 24), backbone-vs-head breakdown
#                               (the head's share), peak memory, sync audit
#   infer_compare               merged (4 experts, every forward) vs deploy vs
#                               TFM-600 vs 600 classes without TFM
#   vitl14_8f_mem, vitl14_16f_mem  ViT-L/14 train step peak memory at the
#                               configs' batch (18, 9)
#   fp16_run                    2 iterations of configs/mote/k400_fp16.py
#                               (Runner, workers, dynamic loss scale)
#   fsdp_vitl14_16f             2 iterations of k400_vit-l14_16f_fsdp.py with
#                               torchrun on one GPU (FlexibleRunner + FSDP)
#   tiny_amp                    real training run of the tiny config with
#                               tools/train.py --amp on generated clips
#   gpu_decode                  k400_gpu_decode.py's preprocessor: its CUDA
#                               test, views vs the CPU pipeline, clips/s vs
#                               the CPU loader on every core
#   infer_compile, train_compile  torch.compile of the visual tower
#   train_lossscale_off         bf16 without GradScaler (its cost)
#   train_host_inputs           batches copied from the host each step
#   summary                     targets table (summary.txt) and one
#                               results.json of every step
#
# RUN_DIR (default work_dirs/gpu_check) keeps everything; $OUT, where set,
# gets at most 4 files: results.json, summary.txt, steps.txt and
# gpu_check_files.tar.gz (logs and JSONs).
#
# The same steps on CPU with tiny settings (the smoke test of this script):
#   SMOKE=1 bash tools/analysis/gpu_check.sh
# ONLY="step ..." runs just those steps; SKIP="step ..." leaves some out.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -x .venv/bin/python ]; then
    PY=.venv/bin/python
elif command -v python3 > /dev/null; then
    PY=python3
else
    PY=python
fi
if [ -n "${SMOKE:-}" ]; then
    # tiny model, data and counts on the CPU; the same steps and code paths
    : "${DEVICE:=cpu}" "${CONFIG:=configs/mote/demo_tiny_motion.py}"
    : "${AMP:=none}" "${EXTRA:=--num-classes 5}" "${TRAIN_BATCH:=2}"
    : "${INFER_BATCH:=1}" "${VIEWS:=2}" "${WARMUP:=1}" "${ITERS:=1}"
    : "${REPEATS:=2}" "${TINY_AMP=}" "${TINY_EPOCHS:=1}" "${TINY_VIDEOS:=2}"
    : "${SKIP=train_compile infer_compile}"
    : "${VITL8_CONFIG:=$CONFIG}" "${VITL16_CONFIG:=$CONFIG}"
    : "${VITL_EXTRA:=--batch 2}"
    : "${FP16_CONFIG:=$CONFIG}" "${FSDP_CONFIG:=$CONFIG}"
    : "${RUN_EXTRA:=--batch 2 --workers 2 --videos 2 --video-seconds 2}"
    : "${DECODE_EXTRA:=--device cpu --decode-device cpu --cpu-workers 2 \
--gpu-workers 1 --batch 2 --batches 1 --videos 2 --video-seconds 2}"
    : "${DECODE_TEST:=0}" "${LIMIT_SCALE:=3}"  # a loaded 2-core CPU
fi
RUN_DIR=${RUN_DIR:-work_dirs/gpu_check}
DEVICE=${DEVICE:-cuda}
CONFIG=${CONFIG:-configs/mote/k400.py}
AMP=${AMP:-bfloat16}
TRAIN_BATCH=${TRAIN_BATCH:-24}
INFER_BATCH=${INFER_BATCH:-8}
VIEWS=${VIEWS:-12}
TFM_CLASSES=${TFM_CLASSES:-600}
WARMUP=${WARMUP:-3}
ITERS=${ITERS:-10}
REPEATS=${REPEATS:-5}
EXTRA=${EXTRA:-}
VITL8_CONFIG=${VITL8_CONFIG:-configs/mote/k400_vit-l14.py}
VITL16_CONFIG=${VITL16_CONFIG:-configs/mote/k400_vit-l14_16f.py}
VITL_EXTRA=${VITL_EXTRA:-}  # default batch: the config's (18, 9)
FP16_CONFIG=${FP16_CONFIG:-configs/mote/k400_fp16.py}
FSDP_CONFIG=${FSDP_CONFIG:-configs/mote/k400_vit-l14_16f_fsdp.py}
RUN_EXTRA=${RUN_EXTRA:-}
DECODE_EXTRA=${DECODE_EXTRA:-}
DECODE_TEST=${DECODE_TEST:-1}
TINY_AMP=${TINY_AMP---amp}  # empty on CPU: AmpOptimWrapper needs a GPU
TINY_EPOCHS=${TINY_EPOCHS:-3}
TINY_VIDEOS=${TINY_VIDEOS:-40}
BUDGET_S=${BUDGET_S:-450}
LIMIT_SCALE=${LIMIT_SCALE:-1}  # multiplies every step's time limit
SKIP=${SKIP:-}
ONLY=${ONLY:-}
BUNDLE=${BUNDLE:-gpu_bundle}
BUNDLE_SITE=${BUNDLE_SITE:-${TMPDIR:-/tmp}/mote_gpu_site}
TINY_WORK=$RUN_DIR/tiny
LOGS=$RUN_DIR/logs
J=$RUN_DIR/json
CLIPS=$RUN_DIR/clips
RUNS=tools/analysis/gpu_check_runs.py
FSDP_REF=configs/mote/k400_vit-l14_16f_fsdp.py
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"

rm -rf "$LOGS" "$J"
mkdir -p "$LOGS" "$J"
STATUS=()

# bench CONFIG ARGS...: tools/analysis/benchmark.py with the shared settings
bench() {
    local cfg=$1
    shift
    # shellcheck disable=SC2086
    $PY tools/analysis/benchmark.py "$cfg" --device "$DEVICE" \
        --amp-dtype "$AMP" --warmup "$WARMUP" --iters "$ITERS" \
        --repeats "$REPEATS" $EXTRA "$@"
}
export PY DEVICE AMP WARMUP ITERS REPEATS EXTRA
export -f bench

# step NAME LIMIT_S COMMAND...: run with a time limit, log, keep going.
# COMMAND may be a function of this script (exported with export -f).
step() {
    local name=$1 limit=$(($2 * LIMIT_SCALE))
    shift 2
    if [ -n "$ONLY" ]; then
        case " $ONLY " in *" $name "*) ;; *) return 0 ;; esac
    fi
    case " $SKIP " in *" $name "*)
        STATUS+=("$name: skipped (SKIP)"); return 0 ;;
    esac
    local left=$((BUDGET_S - SECONDS))
    if [ "$left" -lt 30 ]; then
        STATUS+=("$name: skipped (budget of ${BUDGET_S}s used)")
        return 0
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    echo "=== $name (limit ${limit}s; ${SECONDS}s of ${BUDGET_S}s used)"
    local t0=$SECONDS
    timeout --kill-after=10 "$limit" bash -c '"$@"' "$name" "$@" \
        > "$LOGS/$name.log" 2>&1
    local rc=$?
    # the result table (lines from the first '== ') or the log's tail
    if grep -q '^== ' "$LOGS/$name.log"; then
        sed -n '/^== /,$p' "$LOGS/$name.log" | cut -c1-1500
    else
        tail -n 15 "$LOGS/$name.log"
    fi
    local what="ok"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && what="TIMED OUT"
    [ $rc -ne 0 ] && [ "$what" = ok ] && what="FAILED (rc $rc)"
    STATUS+=("$name: $what in $((SECONDS - t0))s")
    return 0
}

# 0. the offline bundle (into BUNDLE_SITE, first on the path), then the
# FFmpeg of PyAV's wheel for torchcodec
if compgen -G "$BUNDLE/*.whl" > /dev/null; then
    step bundle 120 bash tools/analysis/gpu_bundle.sh install "$BUNDLE" \
        "$BUNDLE_SITE"
    export PYTHONPATH="$BUNDLE_SITE:$PYTHONPATH"
fi
if FFMPEG=$($PY -m mote_mmaction.compat.torchcodec_ffmpeg \
        2> "$LOGS/ffmpeg.log"); then
    export LD_LIBRARY_PATH="$FFMPEG${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# imports, versions and the compat patches (import mote_mmaction applies them)
bundle_check() {
    $PY - "$J/bundle.json" << 'PYEOF'
import importlib, json, sys
import torch
import mote_mmaction  # noqa: F401
compat = importlib.import_module('mote_mmaction.compat')
versions = {}
for name in ('torch', 'torchvision', 'numpy', 'cv2', 'mmengine', 'mmcv',
             'mmaction', 'open_clip', 'decord', 'av', 'torchcodec',
             'onnxruntime'):
    try:
        versions[name] = getattr(importlib.import_module(name),
                                 '__version__', '?')
    except Exception as e:  # recorded; the steps that need it fail
        versions[name] = f'{type(e).__name__}: {e}'.splitlines()[0]
res = dict(mode='bundle', python=sys.version.split()[0], versions=versions,
           compat_patches=dict(getattr(compat, 'APPLIED', {})),
           cuda=torch.cuda.is_available(),
           gpu=torch.cuda.get_device_name() if torch.cuda.is_available()
           else None)
json.dump(res, open(sys.argv[1], 'w'), indent=2)
print('==', json.dumps(res))
PYEOF
}
export PY J
export -f bundle_check
step bundle_check 90 bundle_check

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
    command -v nvidia-smi > /dev/null && nvidia-smi \
        --query-gpu=name,memory.total,driver_version,clocks.max.sm \
        --format=csv
    echo "cpus: $(nproc)"
    $PY -c "import torch; print('torch', torch.__version__, 'cuda', \
torch.version.cuda, 'available', torch.cuda.is_available())"
} > "$RUN_DIR/env.txt" 2>&1
cat "$RUN_DIR/env.txt"

step train_ckpt 100 bench "$CONFIG" --mode train --batch "$TRAIN_BATCH" \
    --grad-ckpt on --json "$J/train_ckpt.json"
step train_nockpt 70 bench "$CONFIG" --mode train --batch "$TRAIN_BATCH" \
    --grad-ckpt off --no-breakdown --json "$J/train_nockpt.json"
step infer_compare 100 bench "$CONFIG" --mode infer --batch "$INFER_BATCH" \
    --views "$VIEWS" --compare --tfm-classes "$TFM_CLASSES" \
    --json "$J/infer_compare.json"
# ViT-L/14 peak memory: a few steps at the config's batch are enough
for frames in 8 16; do
    cfg=$VITL8_CONFIG
    [ $frames = 16 ] && cfg=$VITL16_CONFIG
    # shellcheck disable=SC2086
    step "vitl14_${frames}f_mem" 70 bench "$cfg" --mode train \
        --no-breakdown --random-text-tables --sync-check off --warmup 1 \
        --iters 2 --repeats 1 $VITL_EXTRA --json "$J/vitl14_${frames}f_mem.json"
done

# Real configs for 2 iterations on generated Kinetics-like clips: fp16 with
# the dynamic loss scale, and ViT-L/14 16f with FSDP (torchrun, one GPU;
# its full checkpoint is saved, as the config does)
# shellcheck disable=SC2086
step fp16_run 80 $PY $RUNS train "$FP16_CONFIG" --iters 2 --data "$CLIPS" \
    --work-dir "$RUN_DIR/fp16" $RUN_EXTRA --json "$J/fp16_run.json"
FSDP_FROM=()
[ "$FSDP_CONFIG" = "$FSDP_REF" ] || FSDP_FROM=(--strategy-from "$FSDP_REF")
# shellcheck disable=SC2086
step fsdp_vitl14_16f 100 $PY -m torch.distributed.run --standalone \
    --nproc_per_node 1 $RUNS train "$FSDP_CONFIG" "${FSDP_FROM[@]}" \
    --launcher pytorch --iters 2 --data "$CLIPS" --work-dir "$RUN_DIR/fsdp" \
    --save-checkpoint $RUN_EXTRA --json "$J/fsdp_vitl14_16f.json"

# A real (short) training run of the tiny config with AMP on generated
# clips: data under TINY_WORK, the config re-rooted there.
tiny_amp() {
    local data="$TINY_WORK/data" cfg="$TINY_WORK/demo_tiny_motion_bench.py"
    $PY - "$data" "$cfg" "$TINY_VIDEOS" << 'PYEOF' || return 1
import sys
from mmengine.config import Config
import mote_mmaction  # noqa: F401
from mote_mmaction.toolkit.demo.motion_demo import make_motion_demo
root, out, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = Config.fromfile('configs/mote/demo_tiny_motion.py')
# the demo's clips and tiny CLIP (a short pre-training: speed, not accuracy)
make_motion_demo(root, cfg.model.backbone.arch.to_dict(),
                 train_videos=per_class, test_videos=max(per_class // 5, 1),
                 pretrain_steps=20)
old = cfg.data_root


def reroot(node):
    if isinstance(node, str):
        return root + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        return {k: reroot(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(reroot(v) for v in node)
    return node


Config(reroot(cfg.to_dict())).dump(out)
print('tiny data and config:', root, out)
PYEOF
    # shellcheck disable=SC2086
    $PY tools/train.py "$cfg" $TINY_AMP --work-dir "$TINY_WORK/run" \
        --cfg-options train_cfg.max_epochs="$TINY_EPOCHS" \
        train_cfg.val_begin=1 train_cfg.val_interval="$TINY_EPOCHS" \
        default_hooks.checkpoint.interval="$TINY_EPOCHS" || return 1
    $PY - "$TINY_WORK/run" "$J/tiny_amp.json" "$TINY_AMP" << 'PYEOF'
import glob, json, math, os, sys
run, out, amp = sys.argv[1], sys.argv[2], sys.argv[3]
scalars = sorted(glob.glob(os.path.join(run, '*', 'vis_data',
                                        'scalars.json')))
rows = [json.loads(ln) for ln in open(scalars[-1])] if scalars else []
train = [r for r in rows if 'loss' in r]
val = [r for r in rows if any(k.startswith('acc/') for k in r)]
res = dict(mode='tiny_train', amp=bool(amp), iterations=len(train),
           first_loss=train[0]['loss'] if train else None,
           last_loss=train[-1]['loss'] if train else None,
           losses_finite=all(math.isfinite(r['loss']) for r in train),
           last_val=val[-1] if val else None)
json.dump(res, open(out, 'w'), indent=2)
print('==', json.dumps(res))
sys.exit(0 if train and res['losses_finite'] else 1)
PYEOF
}
export TINY_WORK TINY_VIDEOS TINY_AMP TINY_EPOCHS
export -f tiny_amp
step tiny_amp 100 tiny_amp

# GPU decoding (configs/mote/k400_gpu_decode.py): the preprocessor's CUDA
# test, then its test views against the CPU pipeline's and clips/s of both
# training loaders (gpu_check_runs.py decode).
gpu_decode() {
    local rc=0
    if [ "$DECODE_TEST" = 1 ]; then
        $PY -m pytest -q -p no:cacheprovider \
            tests/models/data_preprocessors/test_gpu_decode_preprocessor.py \
            -k cuda || rc=1
    fi
    # shellcheck disable=SC2086
    $PY "$RUNS" decode configs/mote/k400_gpu_decode.py \
        --base configs/mote/k400.py --data "$CLIPS" \
        --json "$J/gpu_decode.json" $DECODE_EXTRA || rc=1
    return $rc
}
export RUNS CLIPS DECODE_EXTRA DECODE_TEST
export -f gpu_decode
step gpu_decode 100 gpu_decode

step infer_compile 120 bench "$CONFIG" --mode infer --batch "$INFER_BATCH" \
    --views "$VIEWS" --compile --json "$J/infer_compile.json"
step train_compile 150 bench "$CONFIG" --mode train --batch "$TRAIN_BATCH" \
    --compile --no-breakdown --json "$J/train_compile.json"
step train_lossscale_off 60 bench "$CONFIG" --mode train \
    --batch "$TRAIN_BATCH" --loss-scale off --no-breakdown \
    --json "$J/train_lossscale_off.json"
step train_host_inputs 60 bench "$CONFIG" --mode train \
    --batch "$TRAIN_BATCH" --host-inputs --no-breakdown --sync-check on \
    --json "$J/train_host_inputs.json"

$PY tools/analysis/benchmark.py --mode summary --inputs "$J"/*.json \
    --json "$RUN_DIR/summary.json" 2> "$LOGS/summary.log" |
    tee "$RUN_DIR/summary.txt"
echo "=== steps"
printf '%s\n' "${STATUS[@]+"${STATUS[@]}"}" | tee "$RUN_DIR/steps.txt"
# every step's JSON, the statuses and the machine in one file
$PY - "$RUN_DIR" << 'PYEOF'
import glob, json, os, sys
run = sys.argv[1]
out = dict(steps=open(os.path.join(run, 'steps.txt')).read().split('\n'),
           env=open(os.path.join(run, 'env.txt')).read())
out['steps'] = [s for s in out['steps'] if s]
for path in sorted(glob.glob(os.path.join(run, 'json', '*.json'))):
    name = os.path.basename(path)[:-len('.json')]
    try:
        with open(path) as f:
            out[name] = json.load(f)
    except ValueError as e:
        out[name] = f'unreadable: {e}'
with open(os.path.join(run, 'results.json'), 'w') as f:
    json.dump(out, f, indent=2)
PYEOF
if [ -n "${OUT:-}" ]; then
    # at most 4 files: what the device tool brings back is limited
    mkdir -p "$OUT"
    cp "$RUN_DIR/results.json" "$RUN_DIR/summary.txt" "$RUN_DIR/steps.txt" \
        "$OUT"/
    tar -czf "$OUT/gpu_check_files.tar.gz" -C "$RUN_DIR" env.txt logs json
fi
echo "gpu_check: ${SECONDS}s, results in $RUN_DIR${OUT:+ and $OUT}"
