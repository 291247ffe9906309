export class UnisegError extends Error {
    code;
    details;
    constructor(code, message, details = {}, options) {
        super(message, options);
        this.name = 'UnisegError';
        this.code = code;
        this.details = details;
    }
    toJSON() {
        return { code: this.code, message: this.message, details: this.details };
    }
}
export function isUnisegError(value, code) {
    return value instanceof UnisegError && (code === undefined || value.code === code);
}
