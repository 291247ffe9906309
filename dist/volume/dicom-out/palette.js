import { distinctColour } from "../colours.js";
/** Display colour of a segment or ROI, cycled by its 1-based number. */
export function segmentColour(segmentNumber) {
    return distinctColour(segmentNumber - 1);
}
