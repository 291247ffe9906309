/** Reading screenshots back: how many pixels carry an overlay colour. */
import sharp from 'sharp';

/** Pixels whose colour is the first mask colour (230,25,75) blended over grey: red well above green and blue. */
export async function reddish(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let p = 0; p < data.length; p += info.channels) if (data[p] - data[p + 1] > 50 && data[p] - data[p + 2] > 25) n++;
  return n;
}

/** Pixels that differ clearly (by more than 24 summed over R, G, B) between two same-size screenshots, and how many of those are redder in `a`. */
export async function difference(a: Buffer, b: Buffer): Promise<{ changed: number; redder: number }> {
  const [x, y] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
  let changed = 0;
  let redder = 0;
  for (let p = 0; p < x.length; p += 3) {
    if (Math.abs(x[p] - y[p]) + Math.abs(x[p + 1] - y[p + 1]) + Math.abs(x[p + 2] - y[p + 2]) <= 24) continue;
    changed++;
    if (x[p] - x[p + 1] > y[p] - y[p + 1]) redder++;
  }
  return { changed, redder };
}
