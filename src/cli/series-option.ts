/** `--series UID`, shared by every command that reads a CT, and how DICOM reading notes reach the user. */
import type { VolumeReadOptions } from '../volume/read.ts';
import type { Volume } from '../volume/types.ts';

export const SERIES_HELP = 'DICOM input: the SeriesInstanceUID to read (default: the CT series with the most slices)';

export function seriesOption(series: string | undefined): VolumeReadOptions {
  return series === undefined ? {} : { series };
}

/** For DICOM input, which series was read and what was skipped, on stderr (stdout may be JSON). */
export function reportSeries(volume: Volume): void {
  if (!volume.dicom) return;
  for (const note of volume.source?.warnings ?? []) process.stderr.write(`uniseg: ${note}\n`);
}
