import { readVolume } from "../../volume/read.js";
import { syntaxName } from "../../volume/dicom/index.js";
import { volumeStats } from "../../volume/stats.js";
import { SERIES_HELP, seriesOption } from "../series-option.js";
export function infoReport(volume) {
    const stats = volumeStats(volume.data);
    const warnings = [...(volume.source?.warnings ?? [])];
    if (stats.nonFinite > 0)
        warnings.push(`${stats.nonFinite} non-finite values left out of min/max/mean/sum`);
    return {
        shape: [...volume.shape],
        spacing: [...volume.spacing],
        affine: volume.affine.map((row) => [...row]),
        orientation: volume.orientation.join(''),
        datatype: volume.source?.datatype ?? volume.data.constructor.name,
        min: stats.min,
        max: stats.max,
        mean: stats.mean,
        sum: stats.sum,
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(volume.dicom
            ? {
                seriesInstanceUID: volume.dicom.seriesInstanceUID,
                modality: volume.dicom.modality,
                transferSyntaxUID: volume.dicom.transferSyntaxUID,
                slices: volume.dicom.instances.length,
            }
            : {}),
    };
}
/** Up to `digits` decimals, trailing zeros dropped, never "-0". */
function num(value, digits = 4) {
    if (!Number.isFinite(value))
        return String(value);
    const text = Number(value.toFixed(digits)).toString();
    return text === '-0' ? '0' : text;
}
export function formatInfo(file, r) {
    const cells = r.affine.map((row) => row.map((v) => num(v)));
    const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((row) => row[c].length)));
    const affineRows = cells.map((row) => row.map((v, c) => v.padStart(widths[c])).join('  '));
    const series = r.seriesInstanceUID === undefined
        ? []
        : [
            ['series', r.seriesInstanceUID],
            ['modality', r.modality ?? ''],
            ['syntax', `${syntaxName(r.transferSyntaxUID ?? '')} (${r.transferSyntaxUID})`],
            ['slices', String(r.slices)],
        ];
    const lines = [
        ...series,
        ['shape', r.shape.join(' x ')],
        ['spacing', `${r.spacing.map((v) => num(v)).join(' x ')} mm`],
        ['orientation', r.orientation],
        ['datatype', r.datatype],
        ['affine', affineRows[0]],
        ...affineRows.slice(1).map((row) => ['', row]),
        ['min', num(r.min)],
        ['max', num(r.max)],
        ['mean', num(r.mean)],
        ['sum', num(r.sum)],
        ...(r.warnings ?? []).map((w) => ['warning', w]),
    ];
    return [file, ...lines.map(([key, value]) => `  ${key.padEnd(12)}${value}`)].join('\n');
}
/** Indented JSON with each array of numbers (shape, spacing, an affine row) kept on one line. */
export function infoJson(report) {
    return JSON.stringify(report, null, 2).replace(/\[\s+([-+\d.eE,\s]+?)\s+\]/g, (_, inner) => `[${inner.split(/,\s*/).join(', ')}]`);
}
export function registerInfo(program) {
    program
        .command('info')
        .description('print the geometry (shape, spacing, affine, orientation), datatype and value range of a NIfTI file or DICOM series')
        .argument('<file>', '.nii or .nii.gz file, or a DICOM series: a folder or a .zip')
        .option('--series <uid>', SERIES_HELP)
        .option('--json', 'print one JSON object instead of text')
        .addHelpText('after', '\nExamples:\n  $ uniseg info ct.nii.gz\n  $ uniseg info ct.nii.gz --json | jq .spacing\n  $ uniseg info ./dicom/series-folder --json | jq .seriesInstanceUID')
        .action(async (file, flags) => {
        const report = infoReport(await readVolume(file, seriesOption(flags.series)));
        process.stdout.write(flags.json ? `${infoJson(report)}\n` : `${formatInfo(file, report)}\n`);
    });
}
