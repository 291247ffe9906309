/**
 * Attributes every derived object shares: new UIDs, DICOM value formats, the Patient and Study
 * modules copied from the source series, equipment naming uniseg and the model package, codes.
 * Datasets are dcmjs "naturalized" objects (keyword -> value).
 */
import { randomUUID } from 'node:crypto';
/** uniseg's implementation class UID (file meta), made once as 2.25.<a UUID as an integer>. */
export const IMPLEMENTATION_CLASS_UID = '2.25.46679280903675671697269437839615506911';
/** A new UID under the 2.25 root (ISO/IEC 9834-8: a random UUID as one decimal integer). */
export function newUid() {
    return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
}
/** A DS (decimal string) value: at most 16 characters, so long doubles lose digits here, not by truncation in the encoder. */
export function ds(x) {
    if (!Number.isFinite(x))
        throw new RangeError(`DS value must be finite, got ${x}`);
    const value = Math.abs(x) < 1e-9 ? 0 : x;
    for (let digits = 12; digits > 0; digits--) {
        const text = String(Number(value.toPrecision(digits)));
        if (text.length <= 16)
            return text;
    }
    return String(Math.round(value));
}
const pad = (n, width = 2) => String(n).padStart(width, '0');
export const dicomDate = (d) => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
export const dicomTime = (d) => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
export function codeItem(code) {
    return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}
// Patient, Clinical Trial Subject, General Study, Patient Study and Clinical Trial Study modules:
// what a derived object must share with its source to land in the same patient and study.
const COPIED = [
    'PatientName', 'PatientID', 'IssuerOfPatientID', 'IssuerOfPatientIDQualifiersSequence', 'TypeOfPatientID', 'PatientBirthDate',
    'PatientBirthTime', 'PatientSex', 'OtherPatientIDsSequence', 'OtherPatientNames', 'EthnicGroup', 'PatientComments',
    'PatientSpeciesDescription', 'PatientSpeciesCodeSequence', 'PatientBreedDescription', 'PatientBreedCodeSequence',
    'BreedRegistrationSequence', 'ResponsiblePerson', 'ResponsiblePersonRole', 'ResponsibleOrganization', 'PatientIdentityRemoved',
    'DeidentificationMethod', 'DeidentificationMethodCodeSequence', 'QualityControlSubject',
    'ClinicalTrialSponsorName', 'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSiteID', 'ClinicalTrialSiteName',
    'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID',
    'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'ReferringPhysicianIdentificationSequence', 'StudyID', 'AccessionNumber',
    'IssuerOfAccessionNumberSequence', 'StudyDescription', 'PhysiciansOfRecord', 'NameOfPhysiciansReadingStudy', 'ProcedureCodeSequence',
    'AdmittingDiagnosesDescription', 'PatientAge', 'PatientSize', 'PatientWeight', 'Occupation', 'AdditionalPatientHistory',
    'PregnancyStatus', 'SmokingStatus', 'ClinicalTrialTimePointID', 'ClinicalTrialTimePointDescription',
];
/** Type 2 attributes of those modules: present, empty when the source lacks them. */
const REQUIRED_EMPTY = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'];
export function patientAndStudy(info) {
    const out = {};
    for (const key of REQUIRED_EMPTY)
        out[key] = '';
    for (const key of COPIED) {
        const value = info.header[key];
        if (value !== undefined && value !== null)
            out[key] = value;
    }
    out.StudyInstanceUID = info.studyInstanceUID;
    return out;
}
/** The source's, when the header kept it: a derived object shares its frame of reference. */
export function positionReferenceIndicator(info) {
    const value = info.header.PositionReferenceIndicator;
    return typeof value === 'string' ? value : '';
}
/** General and Enhanced General Equipment: uniseg made it, with this model package (identified by its manifest's SHA-256). */
export function equipment(p) {
    return {
        Manufacturer: 'uniseg',
        ManufacturerModelName: p.packageName.slice(0, 64),
        DeviceSerialNumber: p.manifestSha256,
        SoftwareVersions: p.unisegVersion,
    };
}
/** Common to SEG and RTSTRUCT: SOP Common, the new series, the creation times. */
export function newInstance(sopClassUID, modality, series, now) {
    return {
        SpecificCharacterSet: 'ISO_IR 192',
        SOPClassUID: sopClassUID,
        SOPInstanceUID: newUid(),
        InstanceCreationDate: dicomDate(now),
        InstanceCreationTime: dicomTime(now),
        Modality: modality,
        SeriesInstanceUID: newUid(),
        SeriesNumber: series.number,
        SeriesDescription: series.description.slice(0, 64),
        SeriesDate: dicomDate(now),
        SeriesTime: dicomTime(now),
        InstanceNumber: 1,
    };
}
