/**
 * Coded anatomy for SEG segments and RTSTRUCT ROIs. Codes are SNOMED CT (scheme SCT) as listed in
 * DICOM PS3.16 (CID 7150 segmentation property categories, CID 7151 property types, CID 7159
 * lesion types, CID 244 laterality); DCM codes from PS3.16 Annex D. See README "DICOM output"
 * for the table and the fallback for names it does not know.
 */
const sct = (value, meaning) => ({ value, scheme: 'SCT', meaning });
export const ANATOMICAL_STRUCTURE = sct('123037004', 'Anatomical Structure');
export const MORPHOLOGICALLY_ABNORMAL_STRUCTURE = sct('49755003', 'Morphologically Abnormal Structure');
export const TISSUE = sct('85756007', 'Tissue');
export const NEOPLASM = sct('108369006', 'Neoplasm');
const LEFT = sct('7771000', 'Left');
const RIGHT = sct('24028007', 'Right');
const BILATERAL = sct('51440002', 'Bilateral');
/** Structures uniseg's tasks name (abdomen and the head-and-neck organs at risk), by name with spaces removed. */
const STRUCTURES = (() => {
    const liver = { code: sct('10200004', 'Liver') };
    const spleen = { code: sct('78961009', 'Spleen') };
    const kidney = { code: sct('64033007', 'Kidney') };
    const aorta = { code: sct('15825003', 'Aorta') };
    const lung = { code: sct('39607008', 'Lung') };
    const vertebra = { code: sct('51282000', 'Vertebra') };
    const brainstem = { code: sct('119238007', 'Brain stem') };
    const spinalCord = { code: sct('2748008', 'Spinal cord') };
    const parotid = { code: sct('45289007', 'Parotid gland') };
    const mandible = { code: sct('91609006', 'Mandible') };
    const larynx = { code: sct('4596009', 'Larynx') };
    const esophagus = { code: sct('32849002', 'Esophagus') };
    return {
        liver,
        spleen,
        kidney,
        kidneys: { ...kidney, plural: true },
        aorta,
        lung,
        lungs: { ...lung, plural: true },
        vertebra,
        vertebrae: vertebra,
        spine: vertebra,
        brainstem,
        spinalcord: spinalCord,
        cord: spinalCord,
        parotid,
        parotidgland: parotid,
        parotids: { ...parotid, plural: true },
        parotidglands: { ...parotid, plural: true },
        mandible,
        larynx,
        esophagus,
        oesophagus: esophagus,
    };
})();
const LESION_WORDS = new Set(['tumor', 'tumour', 'tumors', 'tumours', 'lesion', 'lesions', 'neoplasm', 'cancer', 'mass']);
/** "kidney_left", "RightParotid", "left kidney", "Spinal-Cord" -> lower-case words. */
function words(name) {
    return name
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase()
        .split(/[^a-z]+/)
        .filter((w) => w !== '');
}
/** The coding of one name, or undefined when it names nothing in the table. */
function codeName(name) {
    const all = words(name);
    const lesion = all.some((w) => LESION_WORDS.has(w));
    const side = all.includes('left') ? LEFT : all.includes('right') ? RIGHT : undefined;
    const rest = all.filter((w) => !LESION_WORDS.has(w) && w !== 'left' && w !== 'right').join('');
    const structure = STRUCTURES[rest];
    if (rest !== '' && !structure)
        return undefined;
    const laterality = side ?? (structure?.plural ? BILATERAL : undefined);
    if (lesion) {
        return {
            category: MORPHOLOGICALLY_ABNORMAL_STRUCTURE,
            type: NEOPLASM,
            ...(structure ? { anatomicRegion: structure.code } : {}),
            ...(laterality ? { laterality } : {}),
            rtInterpretedType: 'GTV',
            known: true,
        };
    }
    if (!structure)
        return undefined;
    return { category: ANATOMICAL_STRUCTURE, type: structure.code, ...(laterality ? { laterality } : {}), rtInterpretedType: 'ORGAN', known: true };
}
/** Unknown structures: SCT Tissue as category and type, the prompt itself in the label and description. */
export const FALLBACK_CODING = { category: TISSUE, type: TISSUE, rtInterpretedType: '', known: false };
/** The first of `names` (label, task, prompt) that the table knows decides; otherwise the fallback. */
export function codeSegment(names) {
    for (const name of names) {
        const coding = codeName(name);
        if (coding)
            return coding;
    }
    return FALLBACK_CODING;
}
