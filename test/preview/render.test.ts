/**
 * Preview pictures read back as pixels: size and millimetre-true aspect, each mask's colour at its
 * centre, radiological left/right, and legend text actually drawn.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderPreview, type Box, type Preview } from '../../src/preview/index.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import type { Affine, Volume } from '../../src/volume/types.ts';

/** A 40x30x12 CT in RAS with 1 x 1 x 4 mm voxels: soft tissue (40 HU) in air, one box right and one left. */
const SHAPE = [40, 30, 12] as const;
const AFFINE: Affine = [
  [1, 0, 0, -20],
  [0, 1, 0, -15],
  [0, 0, 4, -24],
  [0, 0, 0, 1],
];

function volume(fill: (i: number, j: number, k: number) => number, Type: Int16ArrayConstructor | Uint8ArrayConstructor = Int16Array): Volume {
  const data = new Type(SHAPE[0] * SHAPE[1] * SHAPE[2]);
  for (let k = 0; k < SHAPE[2]; k++) for (let j = 0; j < SHAPE[1]; j++) for (let i = 0; i < SHAPE[0]; i++) data[i + SHAPE[0] * (j + SHAPE[1] * k)] = fill(i, j, k);
  return makeVolume(data, SHAPE, AFFINE);
}

const ct = volume((i, j) => (i > 2 && i < 37 && j > 2 && j < 27 ? 40 : -1000));
// RAS: i grows toward the patient's Right, so the high-i box is on the right.
const rightBox = volume((i, j, k) => Number(i >= 26 && i <= 34 && j >= 8 && j <= 16 && k >= 3 && k <= 8), Uint8Array);
const leftBox = volume((i, j, k) => Number(i >= 5 && i <= 11 && j >= 14 && j <= 22 && k >= 5 && k <= 9), Uint8Array);

async function pixels(preview: Preview) {
  const { data, info } = await sharp(preview.png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  return { info, at };
}

/** Pixels in a box that differ clearly from the background colour. */
async function inked(png: Buffer, box: Box): Promise<number> {
  const { data, info } = await sharp(png).extract({ left: box.x, top: box.y, width: box.width, height: box.height }).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let p = 0; p < data.length; p += info.channels) if (data[p] + data[p + 1] + data[p + 2] > 3 * 90) n++;
  return n;
}

describe('renderPreview', () => {
  it('draws each mask in its own colour at its centre, on the patient\'s side a radiologist expects', async () => {
    const preview = await renderPreview(ct, [
      { name: 'right box', mask: rightBox },
      { name: 'left box', mask: leftBox },
    ]);
    const { info, at } = await pixels(preview);
    expect([info.width, info.height]).toEqual([preview.layout.width, preview.layout.height]);
    expect(preview.layout.panels.map((p) => `${p.row}:${p.view}`)).toEqual(['0:axial', '0:coronal', '0:sagittal', '1:axial', '1:coronal', '1:sagittal']);

    expect(preview.layers.map((l) => l.centre)).toEqual([
      [30, 12, 6],
      [8, 18, 7],
    ]);
    preview.layout.panels.forEach((panel, n) => {
      const layer = preview.layers[panel.row];
      const [x, y] = preview.pixelOf(n, layer.centre);
      const rgb = at(x, y);
      const grey = Math.round(((40 + 160) / 400) * 255);
      // 45 % of the layer's colour over the windowed soft tissue, within rounding.
      rgb.forEach((v, c) => expect(Math.abs(v - Math.round(grey * 0.55 + layer.colour[c] * 0.45))).toBeLessThanOrEqual(1));
    });
    expect(preview.layers[0].colour).not.toEqual(preview.layers[1].colour);

    // Radiological convention: the patient's right is on the image's left (axial and coronal).
    for (const n of [0, 1]) {
      const panel = preview.layout.panels[n];
      expect(preview.pixelOf(n, preview.layers[0].centre)[0]).toBeLessThan(panel.x + panel.width / 2);
      expect(preview.pixelOf(n, preview.layers[1].centre)[0]).toBeGreaterThan(panel.x + panel.width / 2);
    }
  });

  it('keeps the true aspect of anisotropic voxels (1 x 1 x 4 mm)', async () => {
    const preview = await renderPreview(ct, [{ name: 'box', mask: rightBox }], { panelPx: 200 });
    const [axial, coronal, sagittal] = preview.layout.panels;
    // Field of view: 40 x 30 x 48 mm; the longest side (48 mm) gets 200 px.
    expect([axial.width, axial.height]).toEqual([Math.round((40 * 200) / 48), Math.round((30 * 200) / 48)]);
    expect([coronal.width, coronal.height]).toEqual([Math.round((40 * 200) / 48), 200]);
    expect([sagittal.width, sagittal.height]).toEqual([Math.round((30 * 200) / 48), 200]);
  });

  it('renders the legend text (prompt and volume in ml) and the orientation letters', async () => {
    const preview = await renderPreview(ct, [{ name: 'right box', mask: rightBox }]);
    const [entry] = preview.layout.legend.entries;
    // 9 x 9 x 6 voxels of 4 mm^3.
    expect(entry.text).toBe(`right box — ${((9 * 9 * 6 * 4) / 1000).toFixed(1)} ml`);
    const text = await inked(preview.png, entry.label);
    expect(text).toBeGreaterThan(60);
    const swatch = await pixels(preview);
    expect(swatch.at(entry.swatch.x + 7, entry.swatch.y + 7)).toEqual([...preview.layers[0].colour]);

    // Another name draws other glyphs in the same box; the same name, the same glyphs.
    const other = await renderPreview(ct, [{ name: 'xx', mask: rightBox }]);
    const crop = (png: Buffer) => sharp(png).extract({ left: entry.label.x, top: entry.label.y, width: 60, height: entry.label.height }).raw().toBuffer();
    expect((await crop(other.png)).equals(await crop(preview.png))).toBe(false);
    expect((await crop((await renderPreview(ct, [{ name: 'right box', mask: rightBox }])).png)).equals(await crop(preview.png))).toBe(true);

    // "R" at the left edge of the axial panel: ink where the letter goes, on a black (air) background.
    const axial = preview.layout.panels[0];
    const mark = { x: axial.x + 2, y: Math.round(axial.y + axial.height / 2 - 10), width: 12, height: 18 };
    expect(await inked(preview.png, mark)).toBeGreaterThan(10);
  });

  it('refuses a mask that is not on the CT grid, naming it', async () => {
    const shifted = makeVolume(rightBox.data, SHAPE, AFFINE.map((row, r) => (r === 0 ? [row[0], row[1], row[2], row[3] + 5] : row)));
    await expect(renderPreview(ct, [{ name: 'shifted', mask: shifted }])).rejects.toMatchObject({ code: 'VOLUME_INVALID', message: expect.stringContaining('"shifted"') });
  });
});
