/** Transfer syntaxes: which ones are read, by which decoder, and names for messages. */
export const TRANSFER_SYNTAXES = {
    '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native-le' },
    '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native-le' },
    // dcmjs inflates the whole dataset while parsing, so the pixels arrive as plain little endian.
    '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native-le' },
    '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encoding: 'native-be' },
    '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
    '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless (Process 14)', encoding: 'jpeg-lossless' },
    '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1 (Process 14, first-order prediction)', encoding: 'jpeg-lossless' },
    '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', encoding: 'j2k' },
    '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: 'j2k' },
    // Named so that a refusal says what the file holds.
    '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (8-bit lossy)' },
    '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (12-bit lossy)' },
    '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless' },
    '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless' },
    '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 Lossless' },
    '1.2.840.10008.1.2.4.202': { name: 'High-Throughput JPEG 2000 (RPCL) Lossless' },
    '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000' },
};
export function syntaxName(uid) {
    return TRANSFER_SYNTAXES[uid]?.name ?? 'unknown transfer syntax';
}
/** The syntaxes uniseg decodes, for error messages. */
export function readableSyntaxes() {
    return Object.entries(TRANSFER_SYNTAXES)
        .filter(([, s]) => s.encoding)
        .map(([uid, s]) => `${s.name} (${uid})`);
}
