#!/usr/bin/env bash
# The universal demo package: today's phantom-trained abdominal tasks kept, plus seven real
# head-and-neck organs at risk learned from the OpenKBP CTs (../shared/data/openkbp).
#
#   bash uniseg_tools/recipes/demo_universal.sh [RUN_DIR]    # default RUN_DIR: .cache/universal-run
#
# Every phase resumes from its checkpoint (stop and start the script at will; finished phases are
# skipped). STEPS (default 4000) sets the length of the pathways phase; THREADS the torch threads;
# DEVICE (default auto) puts training on a GPU when there is one.
#
# A. Caches: the OpenKBP CTs on the model grid (RAS, 3 mm, cropped to the body; which OARs each
#    case has contoured is recorded: missing ones are unknown, never background) and 20 phantoms.
# B. gCIS pathways, initialised from the shipped package (models/demo: its blocks, renumbered to the
#    training alternatives; alternatives it dropped start as copies of a kept one). The nine
#    abdominal tasks keep their pathways; six head-and-neck tasks get pathways of their own through
#    encoder10 alternative 2 and decoder5 alternative 1, which no abdominal task uses. Encoder
#    unfrozen (real anatomy needs real features); phantom patches (30 %) keep the abdominal tasks.
#    Real patches: flips with left/right labels swapped, small rotations and zooms, intensity jitter.
# C. (next) clNet heads retrained on the new encoder, and the larynx as a continual head.
# D. (next) the text encoder with the new vocabulary (`uniseg_tools text --task-set universal`).
# E. (next) export, `uniseg heads add`, `npm run bench -- demo`.
# Phases C-E are not written yet: see uniseg_tools/README.md, "Real head-and-neck CTs".
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
RUN=${1:-.cache/universal-run}
OPENKBP=${OPENKBP:-../shared/data/openkbp}
STEPS=${STEPS:-4000}
THREADS=${THREADS:-2}
DEVICE=${DEVICE:-auto}
mkdir -p "$RUN"

# A. caches (about 10 min for OpenKBP, 5 for the phantoms, on 2 free cores)
$PY -m uniseg_tools openkbp-cache --src "$OPENKBP" --out "$RUN/openkbp-3mm"
$PY -m uniseg_tools train --cache "$RUN/phantoms-3mm" --cases 20 --val-seeds '' --cache-only

# B. pathways
TASKS=liver,spleen,kidney_left,kidney_right,aorta,lungs,vertebrae,liver_tumor,kidney_tumor,brainstem,spinal_cord,parotid_left,parotid_right,mandible,esophagus
if [ -f "$RUN/pathways/last.pt" ]; then
  $PY -m uniseg_tools train --resume "$RUN/pathways/last.pt" --threads "$THREADS" --device "$DEVICE"
else
  $PY -m uniseg_tools train --out "$RUN/pathways" --cache "$RUN/phantoms-3mm" --cases 20 --val-seeds '' \
    --real-cache "$RUN/openkbp-3mm" --real-weight 0.7 --real-val 3 --spatial-p 0.3 --flip-lr 0.5 \
    --init-from models/demo --pin-pathways --tasks "$TASKS" \
    --pin brainstem=2,1,3,1,1,1,1 --pin spinal_cord=2,1,3,2,2,2,4 --pin parotid_left=2,1,4,3,3,3,1 \
    --pin parotid_right=2,1,4,4,4,4,4 --pin mandible=2,1,4,4,1,2,1 --pin esophagus=2,1,3,4,2,1,4 \
    --steps "$STEPS" --lr 3e-4 --warmup 100 --ema-decay 0.998 --val-every 500 --seed 0 \
    --threads "$THREADS" --device "$DEVICE"
fi
