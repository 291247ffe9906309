/** Unenhanced soft-tissue baseline; enhancing tissues are baseline + gain × enhancement. */
const BASE = 40;
export function drawTissueHu(rng) {
    const e = rng.uniform(0.85, 1.15);
    const jitter = (sd) => rng.normal(0, sd);
    const enhance = (gain, sd = 4) => Math.round(BASE + gain * e + jitter(sd));
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
export const TEXTURE_AMPLITUDE = {
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
