/** Display colours (sRGB) for segments and ROIs, cycled by segment number: distinct on grey CT. */
const PALETTE = [
    [230, 25, 75],
    [60, 180, 75],
    [255, 225, 25],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
    [240, 50, 230],
    [210, 245, 60],
    [250, 190, 212],
];
export function segmentColour(segmentNumber) {
    return PALETTE[(segmentNumber - 1) % PALETTE.length];
}
