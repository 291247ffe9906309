export const DICOM_OUTPUT_TYPES = ['dicom-seg', 'rtstruct'];
