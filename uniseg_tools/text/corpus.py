"""A small corpus of CT segmentation prompts and their paraphrases, to learn BPE merges from.

``STRUCTURES`` maps a task name to paraphrases a person might type; ``TEMPLATES`` are the sentence
frames prompt encoders put around a structure's name. :func:`corpus_lines` crosses them into the
lines a tokenizer is trained on. Written for uniseg; the names follow the usual abdominal/thoracic
CT label sets (BTCV, AbdomenCT-1K, TotalSegmentator-style names).
"""

from __future__ import annotations

from typing import Dict, List, Sequence

STRUCTURES: Dict[str, Sequence[str]] = {
    'spleen': ['spleen', 'splenic parenchyma', 'the spleen'],
    'kidney_right': ['right kidney', 'kidney right', 'the right kidney', 'R kidney', 'right renal parenchyma'],
    'kidney_left': ['left kidney', 'kidney left', 'the left kidney', 'L kidney', 'left renal parenchyma'],
    'gallbladder': ['gallbladder', 'gall bladder', 'the gallbladder'],
    'esophagus': ['esophagus', 'oesophagus', 'the esophagus'],
    'liver': ['liver', 'hepatic parenchyma', 'the liver', 'whole liver'],
    'stomach': ['stomach', 'gastric wall', 'the stomach'],
    'aorta': ['aorta', 'abdominal aorta', 'thoracic aorta', 'the aorta'],
    'inferior_vena_cava': ['inferior vena cava', 'IVC', 'postcava', 'the inferior vena cava'],
    'portal_vein_and_splenic_vein': ['portal vein and splenic vein', 'portal vein', 'splenic vein'],
    'pancreas': ['pancreas', 'pancreatic parenchyma', 'the pancreas'],
    'adrenal_gland_right': ['right adrenal gland', 'adrenal gland right', 'right suprarenal gland'],
    'adrenal_gland_left': ['left adrenal gland', 'adrenal gland left', 'left suprarenal gland'],
    'duodenum': ['duodenum', 'the duodenum'],
    'small_bowel': ['small bowel', 'small intestine', 'jejunum and ileum'],
    'colon': ['colon', 'large bowel', 'large intestine'],
    'urinary_bladder': ['urinary bladder', 'bladder', 'the urinary bladder'],
    'prostate': ['prostate', 'prostate gland'],
    'heart': ['heart', 'the heart', 'cardiac chambers'],
    'lung_left': ['left lung', 'lung left', 'the left lung'],
    'lung_right': ['right lung', 'lung right', 'the right lung'],
    'trachea': ['trachea', 'windpipe'],
    'liver_tumor': ['liver tumor', 'liver tumour', 'hepatic lesion', 'liver lesion', 'hepatocellular carcinoma'],
    'kidney_tumor': ['kidney tumor', 'kidney tumour', 'renal tumor', 'renal mass', 'renal cell carcinoma'],
    'kidney_cyst': ['kidney cyst', 'renal cyst', 'cyst of the kidney'],
    'pancreas_tumor': ['pancreatic tumor', 'pancreas tumour', 'pancreatic lesion', 'pancreatic mass'],
    'lung_nodule': ['lung nodule', 'pulmonary nodule', 'lung tumor', 'lung lesion'],
    'colon_tumor': ['colon tumor', 'colon cancer', 'colorectal tumour'],
    'vertebra_L1': ['vertebra L1', 'L1 vertebra', 'first lumbar vertebra'],
    'vertebra_L5': ['vertebra L5', 'L5 vertebra', 'fifth lumbar vertebra'],
    'vertebra_T12': ['vertebra T12', 'T12 vertebra', 'twelfth thoracic vertebra'],
    'rib_left_1': ['left rib 1', 'first left rib'],
    'femur_left': ['left femur', 'femur left', 'left thigh bone'],
    'femur_right': ['right femur', 'femur right', 'right thigh bone'],
    'brain': ['brain', 'the brain'],
    'spinal_cord': ['spinal cord', 'the spinal cord'],
}

TEMPLATES: Sequence[str] = (
    '{}',
    'a computerized tomography of a {}',
    'a computed tomography scan of the {}',
    'a CT image of a {}',
    'segment the {}',
    'the {} on abdominal CT',
)


def corpus_lines(structures: Dict[str, Sequence[str]] = STRUCTURES, templates: Sequence[str] = TEMPLATES) -> List[str]:
    """Every paraphrase in every template, plus the task names themselves, in a fixed order."""
    lines: List[str] = []
    for name, phrases in structures.items():
        lines.append(name)
        for phrase in phrases:
            for template in templates:
                lines.append(template.replace('{}', phrase))
    return lines
