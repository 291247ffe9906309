/**
 * Tissue intensities (HU) for a contrast-enhanced, portal-venous-phase abdominal CT. One
 * "enhancement" factor per seed scales every enhancing tissue together, the way contrast timing
 * does between real scans, so organ ordering (tumour < liver < spleen < kidney ≈ aorta) holds.
 */
import type { PhantomLabelName } from './labels.ts';
import type { Rng } from './rng.ts';

export interface TissueHu {
  readonly air: number;
  readonly lung: number;
  readonly lungVessel: number;
  readonly fat: number;
  readonly muscle: number;
  /** Abdominal/mediastinal content between organs: bowel, vessels and fat, mottled. */
  readonly cavity: number;
  readonly bowelWall: number;
  readonly fluid: number;
  readonly liver: number;
  readonly hepaticVessel: number;
  readonly spleen: number;
  readonly kidneyCortex: number;
  readonly kidneyMedulla: number;
  readonly aorta: number;
  readonly ivc: number;
  /** Cardiac blood pool. */
  readonly blood: number;
  readonly disc: number;
  readonly boneCortex: number;
  readonly boneCancellous: number;
  readonly bonePosterior: number;
  readonly rib: number;
  readonly liverTumour: number;
  readonly kidneyTumour: number;
}

/** Unenhanced soft-tissue baseline; enhancing tissues are baseline + gain × enhancement. */
const BASE = 40;

export function drawTissueHu(rng: Rng): TissueHu {
  const e = rng.uniform(0.85, 1.15);
  const jitter = (sd: number) => rng.normal(0, sd);
  const enhance = (gain: number, sd = 4) => Math.round(BASE + gain * e + jitter(sd));
  return {
    air: -1000,
    lung: Math.round(rng.uniform(-870, -830)),
    lungVessel: Math.round(rng.uniform(-150, 0)),
    fat: Math.round(rng.uniform(-110, -90)),
    muscle: Math.round(rng.uniform(40, 55)),
    cavity: Math.round(rng.uniform(0, 20)),
    bowelWall: Math.round(rng.uniform(25, 55)),
    fluid: Math.round(rng.uniform(5, 20)),
    liver: enhance(60),
    hepaticVessel: enhance(120, 8),
    spleen: enhance(80),
    kidneyCortex: enhance(140, 6),
    kidneyMedulla: enhance(95, 6),
    aorta: enhance(140, 8),
    ivc: enhance(100, 8),
    blood: enhance(95, 8),
    disc: Math.round(rng.uniform(70, 95)),
    boneCortex: Math.round(rng.uniform(750, 1000)),
    boneCancellous: Math.round(rng.uniform(250, 350)),
    bonePosterior: Math.round(rng.uniform(450, 600)),
    rib: Math.round(rng.uniform(400, 650)),
    liverTumour: Math.round(rng.uniform(30, 50)),
    kidneyTumour: Math.round(rng.uniform(60, 80)),
  };
}

/**
 * Amplitude (HU) of the smooth texture per label: lungs and the mottled abdominal content vary
 * most, parenchymal organs little, so organs read as homogeneous against their surroundings.
 */
export const TEXTURE_AMPLITUDE: Readonly<Record<PhantomLabelName, number>> = {
  body: 14,
  lung_left: 30,
  lung_right: 30,
  liver: 6,
  spleen: 5,
  kidney_left: 6,
  kidney_right: 6,
  aorta: 4,
  vertebrae: 40,
  liver_tumor: 6,
  kidney_tumor: 6,
};
