function info(code, name, bytes, float, Ctor) {
    return { code, name, bytes, float, create: (b, o, n) => new Ctor(b, o, n), alloc: (n) => new Ctor(n) };
}
const SUPPORTED = [
    info(2, 'uint8', 1, false, Uint8Array),
    info(4, 'int16', 2, false, Int16Array),
    info(8, 'int32', 4, false, Int32Array),
    info(16, 'float32', 4, true, Float32Array),
    info(64, 'float64', 8, true, Float64Array),
    info(256, 'int8', 1, false, Int8Array),
    info(512, 'uint16', 2, false, Uint16Array),
    info(768, 'uint32', 4, false, Uint32Array),
];
/** Names of the codes we refuse, so the error can say what the file actually holds. */
const UNSUPPORTED_NAMES = {
    1: 'binary (1 bit)',
    32: 'complex64',
    128: 'RGB24',
    1024: 'int64',
    1280: 'uint64',
    1536: 'float128',
    1792: 'complex128',
    2048: 'complex256',
    2304: 'RGBA32',
};
export function datatypeByCode(code) {
    return SUPPORTED.find((d) => d.code === code);
}
export function datatypeByName(name) {
    const found = SUPPORTED.find((d) => d.name === name);
    if (!found)
        throw new Error(`internal: no datatype named ${name}`);
    return found;
}
export function unsupportedDatatypeName(code) {
    return UNSUPPORTED_NAMES[code] ?? 'unknown';
}
/** The DataTypeName matching a typed array's element type. */
export function datatypeOfArray(data) {
    const byCtor = [
        [Uint8Array, 'uint8'],
        [Int8Array, 'int8'],
        [Int16Array, 'int16'],
        [Uint16Array, 'uint16'],
        [Int32Array, 'int32'],
        [Uint32Array, 'uint32'],
        [Float32Array, 'float32'],
        [Float64Array, 'float64'],
    ];
    const hit = byCtor.find(([ctor]) => data instanceof ctor);
    if (!hit)
        throw new Error('internal: unknown voxel array type');
    return datatypeByName(hit[1]);
}
