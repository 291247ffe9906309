#!/usr/bin/env bash
# The universal demo package: today's phantom-trained abdominal tasks kept, plus seven real
# head-and-neck organs at risk learned from the OpenKBP CTs (../shared/data/openkbp).
#
#   bash uniseg_tools/recipes/demo_universal.sh [RUN_DIR]    # default RUN_DIR: .cache/universal-run
#
# Every phase resumes from its checkpoint (stop and start the script at will; finished phases are
# skipped). STEPS (default 1000) sets the length of the pathways phase; THREADS the torch threads;
# DEVICE (default auto) puts training on a GPU when there is one.
#
# A. Caches: the OpenKBP CTs on the model grid (RAS, 3 mm, cropped to the body; which OARs each
#    case has contoured is recorded: missing ones are unknown, never background) and 20 phantoms.
# B. gCIS pathways, initialised from the shipped package (models/demo: its blocks, renumbered to the
#    training alternatives; alternatives it dropped start as copies of a kept one). The nine
#    abdominal tasks keep their pathways; six head-and-neck tasks get pathways of their own: each
#    differs from every abdominal one at least in its `out` alternative (1 or 4, which no abdominal
#    task uses) and uses only blocks the package already ships elsewhere, so the package grows by
#    two 1x1 convolutions, not by megabytes. The encoder and the encoder10 bottleneck stay frozen
#    (--freeze-bottleneck): the clNet heads (Organs, Kidneys, LeftLung) read exactly those features,
#    so they stay valid without retraining, and on 2 CPU cores a step costs half as much. Every
#    decoder block trains; phantom patches (30 %) keep the abdominal tasks that share them.
#    Real patches: flips with left/right labels swapped, small rotations and zooms, intensity jitter.
# C. The larynx as a continual clNet head (heads mode, --train-head): it reads the frozen encoder and
#    the encoder10 alternative the other heads read, its decoder starts from the spinal cord's
#    pathway (a midline tube, trained on real necks in B), and it trains only on the cases whose
#    larynx was contoured (phantoms: negatives); the bench measures it on the validation patients.
#    Why the larynx: it is compact and high-contrast (air column, cartilage), which the frozen
#    encoder's features show well, so a head learns it in few steps.
# D. The text encoder with the new vocabulary (`uniseg_tools text --task-set universal`): its
#    held-out lists (uniseg_tools/data/demo-prompts-heldout*.tsv) were written before it trained.
# E. Export (fp16 parts and text encoder; the Organs, Kidneys and LeftLung heads carried over
#    unchanged by --keep-heads, which checks their encoder and bottleneck are bit-identical; the five
#    single organs keep their largest connected component, which removed the scattered false
#    positives of whole scans: cord 0.54 -> 0.61, mandible 0.61 -> 0.71 on the first two validation
#    patients), then `uniseg heads add` the larynx, which changes no existing file.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
RUN=${1:-.cache/universal-run}
OPENKBP=${OPENKBP:-../shared/data/openkbp}
STEPS=${STEPS:-1000}
HEAD_STEPS=${HEAD_STEPS:-800}
THREADS=${THREADS:-2}
DEVICE=${DEVICE:-auto}
PHANTOM_DEMO_REV=${PHANTOM_DEMO_REV:-ca17352}
mkdir -p "$RUN"
step_of() { [ -f "$1/summary.json" ] && $PY -c "import json,sys;print(json.load(open(sys.argv[1]))['step'])" "$1/summary.json" || echo 0; }

# A. caches (about 10 min for OpenKBP, 5 for the phantoms, on 2 free cores)
$PY -m uniseg_tools openkbp-cache --src "$OPENKBP" --out "$RUN/openkbp-3mm"
$PY -m uniseg_tools train --cache "$RUN/phantoms-3mm" --cases 20 --val-seeds '' --cache-only

# B. pathways, from the phantom-only package as committed before this recipe first ran (git, so a
#    replay starts where the shipped run started; its heads are carried over in E). The shipped run
#    went to step 100 on a 1200-step schedule, then on to the end on a 1000-step one (fitted into
#    one working session); --stop-at 100 then --steps 1000 replays exactly that.
[ -f "$RUN/phantom-demo/model.json" ] || { mkdir -p "$RUN/phantom-demo" && git archive "$PHANTOM_DEMO_REV" models/demo | tar -x -C "$RUN/phantom-demo" --strip-components 2; }
TASKS=liver,spleen,kidney_left,kidney_right,aorta,lungs,vertebrae,liver_tumor,kidney_tumor,brainstem,spinal_cord,parotid_left,parotid_right,mandible,esophagus
[ "$(step_of "$RUN/pathways")" -ge 100 ] || $PY -m uniseg_tools train --out "$RUN/pathways" --cache "$RUN/phantoms-3mm" --cases 20 --val-seeds '' \
    --real-cache "$RUN/openkbp-3mm" --real-weight 0.7 --real-val 3 --spatial-p 0.3 --flip-lr 0.5 \
    --init-from "$RUN/phantom-demo" --pin-pathways --freeze-bottleneck --tasks "$TASKS" \
    --pin brainstem=1,2,1,1,1,1,1 --pin spinal_cord=1,2,1,2,2,2,1 --pin parotid_left=1,3,2,3,3,3,4 \
    --pin parotid_right=1,3,2,4,4,1,4 --pin mandible=1,4,2,1,2,3,1 --pin esophagus=1,4,1,3,4,2,4 \
    --steps 1200 --stop-at 100 --lr 3e-4 --warmup 50 --ema-decay 0.997 --val-every 400 --seed 0 \
    --threads "$THREADS" --device "$DEVICE"
[ "$(step_of "$RUN/pathways")" -ge "$STEPS" ] || $PY -m uniseg_tools train --resume "$RUN/pathways/last.pt" --steps "$STEPS" --threads "$THREADS" --device "$DEVICE"

# C. larynx head
if [ "$(step_of "$RUN/larynx")" -lt "$HEAD_STEPS" ]; then
  if [ -f "$RUN/larynx/last.pt" ]; then
    $PY -m uniseg_tools train --resume "$RUN/larynx/last.pt" --threads "$THREADS" --device "$DEVICE"
  else
    $PY -m uniseg_tools train --mode heads --heads Larynx=larynx --train-head Larynx --out "$RUN/larynx" \
      --init-from "$RUN/pathways/last.pt" --shared-bottleneck 1 --init-heads-from-task Larynx=spinal_cord \
      --cache "$RUN/phantoms-3mm" --cases 20 --val-seeds '' --real-cache "$RUN/openkbp-3mm" --real-weight 0.9 \
      --spatial-p 0.3 --flip-lr 0.5 --fg-fraction 0.5 --steps "$HEAD_STEPS" --lr 5e-4 --warmup 20 --ema-decay 0.995 --seed 0 \
      --threads "$THREADS" --device "$DEVICE"
  fi
fi

# D. text encoder (about an hour on one core)
[ -f "$RUN/text/onnx/text_model.onnx" ] || $PY -m uniseg_tools text --task-set universal --out "$RUN/text"

# E. export, heads
cp models/demo/README.md "$RUN/demo-README.md"
$PY -m uniseg_tools export --ckpt "$RUN/pathways/last.pt" --text "$RUN/text" --min-similarity 0.68 \
  --keep-heads "$RUN/phantom-demo" --out models/demo --force --report "$RUN/export-report.json" \
  --largest-component brainstem,spinal_cord,parotid_left,parotid_right,mandible \
  --caution 'esophagus=not learned in the shipped training run (training Dice 0.00 until step 900 of 1000, validation Dice 0.00): it answers empty or nearly; do not use (models/demo/README.md)'
$PY -m uniseg_tools export-head --heads "$RUN/larynx/last.pt" --head Larynx --package models/demo -o "$RUN/larynx.onnx"
node bin/uniseg.mjs heads add --model models/demo --name Larynx --onnx "$RUN/larynx.onnx" --labels 1=larynx \
  --trained-on 'real head-and-neck planning CTs (OpenKBP training patients with a larynx contoured) with clinical contours; not a clinical device' \
  --caution 'mean Dice 0.55 on 17 validation patients (goal 0.60 missed; 0.17-0.78): it can miss part of the larynx or mark tissue beside it; check the mask'
rm -f models/demo/model.json.prev
cp "$RUN/demo-README.md" models/demo/README.md
echo "models/demo rebuilt; measure it with: npm run bench -- demo"
