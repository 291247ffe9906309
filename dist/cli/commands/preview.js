/**
 * `uniseg preview CT MASK... -o FILE.png`: a picture of existing masks over their CT (each mask
 * file is one layer, or one layer per label value when it holds several), and the --preview flag
 * of `segment` shares its path check.
 */
import { basename } from 'node:path';
import { UnisegError } from "../../errors.js";
import { writePreview } from "../../preview/index.js";
import { readVolume } from "../../volume/nifti/index.js";
import { gridOf, sameGrid } from "../../volume/grid.js";
import { makeVolume } from "../../volume/volume.js";
import { parseInteger } from "../options.js";
const collect = (value, previous = []) => [...previous, value];
export function parsePngPath(flag, text) {
    if (!/\.png$/i.test(text) || text.replace(/\.png$/i, '').length === 0) {
        throw new UnisegError('INVALID_ARGUMENT', `${flag} must be a file name ending in .png; got "${text}"`, { field: flag, value: text });
    }
    return text;
}
/** One layer per distinct non-zero value; named by `name`, with the value appended when there are several. */
export function layersOfMask(name, mask) {
    const values = [...new Set(mask.data)].filter((v) => v !== 0).sort((a, b) => a - b);
    if (values.length <= 1)
        return [{ name, mask }];
    return values.map((value) => {
        const data = new Uint8Array(mask.data.length);
        for (let p = 0; p < data.length; p++)
            data[p] = mask.data[p] === value ? 1 : 0;
        return { name: `${name} ${value}`, mask: makeVolume(data, mask.shape, mask.affine) };
    });
}
export function registerPreview(program) {
    program
        .command('preview')
        .description('draw masks over their CT: axial, coronal and sagittal slices through each mask centre, with a legend (PNG)')
        .argument('<ct>', 'the CT, .nii or .nii.gz')
        .argument('<masks...>', 'masks on the CT grid (.nii/.nii.gz); a label map gives one layer per value')
        .requiredOption('-o, --output <file>', 'the picture to write, .png')
        .option('--name <text>', 'legend name of the next mask, in order (repeatable; default: the file name)', collect)
        .option('--panel-px <n>', 'pixels for the longest side of the field of view', '320')
        .addHelpText('after', `
Examples:
  $ uniseg preview ct.nii.gz liver.nii.gz spleen.nii.gz -o check.png
  $ uniseg preview ct.nii.gz labels.nii.gz --name "liver and spleen" -o check.png`)
        .action(async (ctPath, maskPaths, flags) => {
        const output = parsePngPath('--output', flags.output);
        const panelPx = parseInteger('--panel-px', flags.panelPx, { min: 32, max: 4096 });
        const names = flags.name ?? [];
        if (names.length > maskPaths.length) {
            throw new UnisegError('INVALID_ARGUMENT', `--name is given ${names.length} times for ${maskPaths.length} mask files`, { field: '--name', value: names });
        }
        const ct = await readVolume(ctPath);
        const layers = [];
        for (const [n, path] of maskPaths.entries()) {
            const mask = await readVolume(path);
            if (!sameGrid(gridOf(ct), gridOf(mask))) {
                throw new UnisegError('VOLUME_INVALID', `${path}: shape [${mask.shape}] and affine differ from the CT ${ctPath} (shape [${ct.shape}]); masks must lie on the CT's grid`, {
                    file: path,
                    maskShape: mask.shape,
                    ctShape: ct.shape,
                });
            }
            layers.push(...layersOfMask(names[n] ?? basename(path).replace(/\.nii(\.gz)?$/i, ''), mask));
        }
        const preview = await writePreview(output, ct, layers, { panelPx });
        for (const l of preview.layers)
            process.stdout.write(`${l.name}: ${l.volumeMl.toFixed(1)} ml\n`);
        process.stdout.write(`wrote ${output} (${preview.layout.width}x${preview.layout.height})\n`);
    });
}
