/**
 * The slice viewer: niivue (WebGL2) with the CT in a soft-tissue window and each mask as an
 * overlay in its own colour. Radiological convention (patient's right on the screen's left), as in
 * the preview pictures.
 */
import { Niivue, NVImage, SLICE_TYPE } from '@niivue/niivue';

export type ViewName = 'multiplanar' | 'axial' | 'coronal' | 'sagittal';

const SLICE_TYPES: Record<ViewName, SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
};
/** Which fraction of the crosshair position the slice slider moves, per view. */
const SLIDER_AXIS: Record<ViewName, number> = { multiplanar: 2, axial: 2, coronal: 1, sagittal: 0 };
export const MASK_OPACITY = 0.5;

export interface MaskInfo {
  readonly index: number;
  readonly voxels: number;
  readonly volumeMl: number;
  /** The mask voxel nearest the mean of its voxels, in world mm (so the slices through it show the
   * mask even when the mask is split or curved and its mean lies outside it); null when empty. */
  readonly centre: [number, number, number] | null;
}

/** Voxels, volume and centre (a voxel of the mask) of a mask as niivue read it (data in file order, the header's affine). */
function measure(image: NVImage): Omit<MaskInfo, 'index'> {
  const hdr = image.hdr!;
  const [, nx, ny] = hdr.dims;
  const data = image.img!;
  let n = 0;
  const sum = [0, 0, 0];
  for (let p = 0; p < data.length; p++) {
    if (data[p] === 0) continue;
    n++;
    sum[0] += p % nx;
    sum[1] += Math.floor(p / nx) % ny;
    sum[2] += Math.floor(p / (nx * ny));
  }
  const a = hdr.affine;
  const voxelMl = Math.abs(
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]),
  ) / 1000;
  if (n === 0) return { voxels: 0, volumeMl: 0, centre: null };
  const mean = sum.map((s) => s / n);
  let v = mean;
  let best = Infinity;
  for (let p = 0; p < data.length; p++) {
    if (data[p] === 0) continue;
    const q = [p % nx, Math.floor(p / nx) % ny, Math.floor(p / (nx * ny))];
    const d = (q[0] - mean[0]) ** 2 + (q[1] - mean[1]) ** 2 + (q[2] - mean[2]) ** 2;
    if (d < best) {
      best = d;
      v = q;
    }
  }
  const centre = [0, 1, 2].map((r) => a[r][0] * v[0] + a[r][1] * v[1] + a[r][2] * v[2] + a[r][3]) as [number, number, number];
  return { voxels: n, volumeMl: n * voxelMl, centre };
}

export class Viewer {
  private readonly nv: Niivue;
  private view: ViewName = 'multiplanar';
  private ready: Promise<void>;

  constructor(canvas: HTMLCanvasElement, onMove: (text: string, fraction: number) => void) {
    this.nv = new Niivue({ backColor: [0.07, 0.07, 0.07, 1], crosshairColor: [0.3, 0.8, 1, 0.8], isRadiologicalConvention: true, show3Dcrosshair: false, isColorbar: false });
    this.nv.onLocationChange = (location: unknown) => {
      const l = location as { string?: string; frac?: number[] };
      onMove(l.string ?? '', l.frac?.[SLIDER_AXIS[this.view]] ?? 0.5);
    };
    this.ready = this.nv.attachToCanvas(canvas).then(() => undefined);
  }

  /** Shows a new CT; previous masks are dropped. */
  async showCt(bytes: ArrayBuffer, name: string): Promise<void> {
    await this.ready;
    for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
    const image = await NVImage.loadFromUrl({ url: name, name, buffer: bytes, colormap: 'gray', cal_min: -160, cal_max: 240, trustCalMinMax: true });
    this.nv.addVolume(image);
    this.setView(this.view);
  }

  /** Adds a mask (.nii.gz bytes) drawn in `colour`: its overlay index, volume and centre (world mm). */
  async addMask(bytes: ArrayBuffer, name: string, colour: readonly [number, number, number]): Promise<MaskInfo> {
    const key = `uniseg-${colour.join('-')}`;
    this.nv.addColormap(key, { R: [0, colour[0]], G: [0, colour[1]], B: [0, colour[2]], A: [0, 255], I: [0, 255] });
    const image = await NVImage.loadFromUrl({ url: name, name, buffer: bytes, colormap: key, opacity: MASK_OPACITY, cal_min: 0.5, cal_max: 1, trustCalMinMax: true });
    this.nv.addVolume(image);
    return { index: this.nv.volumes.length - 1, ...measure(image) };
  }

  setVisible(index: number, visible: boolean): void {
    this.nv.setOpacity(index, visible ? MASK_OPACITY : 0);
  }

  /** Moves the crosshair to a world point (mm). */
  goTo(mm: readonly [number, number, number]): void {
    this.nv.scene.crosshairPos = this.nv.mm2frac([mm[0], mm[1], mm[2]] as never, 0);
    this.nv.drawScene();
    this.nv.createOnLocationChange();
  }

  setView(view: ViewName): void {
    this.view = view;
    this.nv.setSliceType(SLICE_TYPES[view]);
  }

  /** Slider position 0..1 along the current view's slice axis. */
  setSliceFraction(fraction: number): void {
    const pos = [...this.nv.scene.crosshairPos] as number[];
    pos[SLIDER_AXIS[this.view]] = fraction;
    this.nv.scene.crosshairPos = pos as never;
    this.nv.drawScene();
    this.nv.createOnLocationChange();
  }
}
