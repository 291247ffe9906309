/**
 * A naturalized dataset -> a DICOM Part 10 file (explicit VR little endian), serialised by dcmjs,
 * and written atomically: a temp file beside the target, renamed over it, removed on failure.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { UnisegError } from "../../errors.js";
import { IMPLEMENTATION_CLASS_UID } from "./modules.js";
export const dcmjs = createRequire(import.meta.url)('dcmjs');
// dcmjs logs through loglevel; its warnings (e.g. about VRs it guesses) are not the user's business.
dcmjs.log.setLevel('error');
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export function encodeDataset(dataset) {
    const meta = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
        FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
        MediaStorageSOPClassUID: dataset.SOPClassUID,
        MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
        TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
        ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
        ImplementationVersionName: 'UNISEG',
        _vrMap: { FileMetaInformationVersion: 'OB' },
    });
    const file = new dcmjs.data.DicomDict(meta);
    file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
    return new Uint8Array(file.write());
}
export async function writeAtomically(path, bytes, what) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
        await writeFile(temp, bytes);
        await rename(temp, path);
    }
    catch (error) {
        await rm(temp, { force: true });
        throw new UnisegError('DICOM_WRITE_FAILED', `cannot write the ${what} to ${path}: ${error.message}`, { path }, { cause: error });
    }
}
