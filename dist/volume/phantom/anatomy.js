import { drawBodyFrame } from "./frame.js";
import { aortaOps, ivcOps, kidneyOps, liverOps, spleenOps } from "./organs.js";
import { createRng } from "./rng.js";
import { muscleOps, ribOps, spineOps } from "./skeleton.js";
import { drawTissueHu } from "./tissue.js";
import { gutOps, lungOps, torsoOps } from "./torso.js";
import { tumourOps } from "./tumours.js";
export function buildAnatomy(seed) {
    const root = createRng(seed);
    // Every part has its own named stream: appending a structure leaves the others untouched.
    const hu = drawTissueHu(root.fork('tissue'));
    const frame = drawBodyFrame(root.fork('body'));
    const liver = liverOps(root.fork('liver'), frame, hu);
    const ivc = ivcOps(root.fork('ivc'), frame, hu);
    const kidneyLeft = kidneyOps(root.fork('kidney_left'), frame, hu, 'kidney_left');
    const kidneyRight = kidneyOps(root.fork('kidney_right'), frame, hu, 'kidney_right');
    const tumours = tumourOps(root.fork('tumours'), hu, liver, [kidneyLeft, kidneyRight], ivc.ivc);
    const ops = [
        ...torsoOps(frame, hu),
        ...lungOps(root.fork('lungs'), frame, hu),
        ...gutOps(root.fork('gut'), frame, hu),
        ...muscleOps(root.fork('muscles'), frame, hu),
        ...liver.ops,
        ...ivc.ops,
        ...spleenOps(root.fork('spleen'), frame, hu),
        ...kidneyLeft.ops,
        ...kidneyRight.ops,
        ...aortaOps(root.fork('aorta'), frame, hu),
        ...spineOps(root.fork('spine'), frame, hu),
        ...ribOps(root.fork('ribs'), frame, hu),
        ...tumours.ops,
    ];
    return { frame, hu, ops, tumours: tumours.tumours };
}
