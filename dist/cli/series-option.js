export const SERIES_HELP = 'DICOM input: the SeriesInstanceUID to read (default: the CT series with the most slices)';
export function seriesOption(series) {
    return series === undefined ? {} : { series };
}
/** For DICOM input, which series was read and what was skipped, on stderr (stdout may be JSON). */
export function reportSeries(volume) {
    if (!volume.dicom)
        return;
    for (const note of volume.source?.warnings ?? [])
        process.stderr.write(`uniseg: ${note}\n`);
}
