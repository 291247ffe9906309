const dcm = (value, meaning) => ({ value, scheme: 'DCM', meaning });
/** CID 7162 (algorithm families). */
export const ARTIFICIAL_INTELLIGENCE = dcm('123110', 'Artificial Intelligence');
/** CID 7202 (purpose of reference) and CID 7203 (derivation). */
export const PURPOSE_SOURCE_IMAGE = dcm('121322', 'Source image for image processing operation');
export const DERIVATION_SEGMENTATION = dcm('113076', 'Segmentation');
/** The package is named and pinned by its manifest's SHA-256, which itself pins every ONNX part. */
export function algorithmParameters(p) {
    return `model package ${p.packageName}; manifest (model.json) sha256 ${p.manifestSha256}`;
}
export function algorithmIdentification(p) {
    return {
        AlgorithmFamilyCodeSequence: [{ CodeValue: ARTIFICIAL_INTELLIGENCE.value, CodingSchemeDesignator: 'DCM', CodeMeaning: ARTIFICIAL_INTELLIGENCE.meaning }],
        AlgorithmName: 'uniseg',
        AlgorithmVersion: p.unisegVersion,
        AlgorithmParameters: algorithmParameters(p),
        AlgorithmSource: 'uniseg (text-prompted CT segmentation)',
    };
}
