export const DISTINCT_COLOURS = [
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
    [0, 128, 128],
    [220, 190, 255],
];
/** The n-th colour (0-based), repeating after the list's end. */
export function distinctColour(n) {
    return DISTINCT_COLOURS[n % DISTINCT_COLOURS.length];
}
