export class Bounds {
    lo = [Infinity, Infinity, Infinity];
    hi = [-1, -1, -1];
    add(a, b, c) {
        if (a < this.lo[0])
            this.lo[0] = a;
        if (a > this.hi[0])
            this.hi[0] = a;
        if (b < this.lo[1])
            this.lo[1] = b;
        if (b > this.hi[1])
            this.hi[1] = b;
        if (c < this.lo[2])
            this.lo[2] = c;
        if (c > this.hi[2])
            this.hi[2] = c;
    }
    /** [lo, hi) per axis; null when nothing was marked. */
    box() {
        if (this.hi[0] < 0)
            return null;
        return { lo: [this.lo[0], this.lo[1], this.lo[2]], hi: [this.hi[0] + 1, this.hi[1] + 1, this.hi[2] + 1] };
    }
}
