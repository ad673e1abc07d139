#!/bin/bash
# The self-supervised comparison of the README and issue 7, end to end: for each seed and each
# augmentation, pretrain a ResNet-18 with `scar ssl`, then evaluate it on the rhythm and sex tasks by
# linear probe and by fine-tuning at 1/5/10/100% of the labels; plus a supervised-from-scratch
# ResNet in the same harness. Then tools/ssl_table.py OUT prints the tables (mean ± sd over seeds).
#
#   tools/ssl_experiment.sh OUT [PACK]
#
# Settings from the environment (defaults are the measured ones):
#   SCAR=build/scar  SEEDS="1 2 3"  AUGS="none random 3kg adv"  STEPS=400  WIDTH=32  BATCH=64
#   BOOTSTRAP=200  FRACTIONS=0.01,0.05,0.1,1
# Without PACK it first writes OUT/corpus.pack with `scar synth -n 20000 --split-seeds 1,1001,2001`
# (1.2 GB). On 2 cores the whole run takes about 2 hours (some 40 minutes a seed); each step is
# skipped when its results exist, so an interrupted run continues where it stopped.
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit $([ $# -lt 1 ] && echo 2 || echo 0)
fi
OUT=$1
PACK=${2:-$OUT/corpus.pack}
SCAR=${SCAR:-build/scar}
SEEDS=${SEEDS:-1 2 3}
AUGS=${AUGS:-none random 3kg adv}
STEPS=${STEPS:-400}
WIDTH=${WIDTH:-32}
BATCH=${BATCH:-64}
BOOTSTRAP=${BOOTSTRAP:-200}
FRACTIONS=${FRACTIONS:-0.01,0.05,0.1,1}
[ -x "$SCAR" ] || { echo "ssl_experiment: $SCAR is not an executable (run make, or set SCAR)" >&2; exit 2; }
mkdir -p "$OUT"
say() { echo "[ssl_experiment $(date +%H:%M:%S)] $*"; }
if [ ! -f "$PACK" ]; then
    [ $# -ge 2 ] && { echo "ssl_experiment: $PACK: no such pack" >&2; exit 2; }
    say "writing the corpus $PACK"
    "$SCAR" synth -n 20000 --split-seeds 1,1001,2001 -q -o "$PACK"
fi
# evaluate KIND NAME SEED [scar finetune options...]: both tasks, every fraction, one JSON each
evaluate() {
    local kind=$1 name=$2 seed=$3
    shift 3
    for task in rhythm sex; do
        local last=${FRACTIONS##*,}
        [ -f "$OUT/${kind}_${name}_${seed}_${task}_${last}.json" ] && continue
        say "$kind $name seed $seed: $task"
        "$SCAR" finetune --data "$PACK" --task "$task" --fractions "$FRACTIONS" --bootstrap "$BOOTSTRAP" \
            --seed "$seed" -q --json "$OUT/${kind}_${name}_${seed}_${task}_%.json" "$@"
    done
}
for seed in $SEEDS; do
    for aug in $AUGS; do
        run=$OUT/ssl_${aug}_$seed
        if [ ! -f "$run/finished" ]; then
            resume=()
            [ -f "$run/last.safetensors" ] && resume=(--resume)
            say "scar ssl --aug $aug, seed $seed ${resume[*]:-}"
            "$SCAR" ssl --aug "$aug" --encoder resnet --width "$WIDTH" --data "$PACK" --out "$run" \
                --steps "$STEPS" --batch "$BATCH" --seed "$seed" -q "${resume[@]}"
            touch "$run/finished"
        fi
        evaluate probe "$aug" "$seed" --model "$run/last.safetensors" --frozen
        evaluate ft "$aug" "$seed" --model "$run/last.safetensors"
    done
    evaluate ft scratch "$seed" --scratch --encoder resnet --width "$WIDTH"
done
say "done; tables: /usr/bin/python3 tools/ssl_table.py $OUT"
