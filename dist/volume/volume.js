import { UnisegError } from "../errors.js";
import { affineOrientation, affineSpacing, checkAffine, cloneAffine } from "./affine.js";
/** Builds a Volume, checking that shape, data length and affine agree; spacing and orientation are derived from the affine. */
export function makeVolume(data, shape, affine, source) {
    if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
        throw new UnisegError('VOLUME_INVALID', `volume shape must be three positive integers; got [${shape.join(', ')}]`, { shape });
    }
    const count = shape[0] * shape[1] * shape[2];
    if (data.length !== count) {
        throw new UnisegError('VOLUME_INVALID', `volume data has ${data.length} voxels but shape [${shape.join(', ')}] needs ${count}`, {
            shape,
            length: data.length,
        });
    }
    checkAffine(affine, 'volume');
    const frozen = cloneAffine(affine);
    return {
        data,
        shape: [shape[0], shape[1], shape[2]],
        affine: frozen,
        spacing: affineSpacing(frozen),
        orientation: affineOrientation(frozen),
        ...(source ? { source } : {}),
    };
}
export function voxelCount(shape) {
    return shape[0] * shape[1] * shape[2];
}
