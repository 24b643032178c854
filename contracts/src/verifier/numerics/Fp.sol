// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Int} from "./Int.sol";

/// IEEE-754 binary floating point on bit patterns, with integer operations only.
///
/// One generic body serves both formats, named by their fraction width `f`: 23 for
/// binary32 (8 exponent bits), 52 for binary64 (11 exponent bits). Values are bit
/// patterns in the low 32 or 64 bits of a uint256.
///
/// Structure (after Berkeley SoftFloat): a finite operand unpacks to an integer
/// significand m and a scale q with |x| = m * 2^q; an op computes its result exactly, or
/// exactly up to a "sticky" low bit, in 256-bit integers; `roundPack` rounds once to the
/// format (round to nearest, ties to even) and handles overflow to infinity and
/// subnormal results. NaN rule (docs/machine.md#nan-rule): every arithmetic op here that
/// produces a NaN returns the canonical quiet NaN, whatever NaN it was given.
library Fp {
    uint256 internal constant F32 = 23;
    uint256 internal constant F64 = 52;

    function expBits(uint256 f) internal pure returns (uint256) {
        return f == F32 ? 8 : 11;
    }

    function signBit(uint256 f) internal pure returns (uint256) {
        return 1 << (expBits(f) + f);
    }

    /// The bit pattern of +infinity (all exponent bits set, fraction zero).
    function infinity(uint256 f) internal pure returns (uint256) {
        return ((1 << expBits(f)) - 1) << f;
    }

    /// The exponent bias, 127 or 1023.
    function bias(uint256 f) internal pure returns (uint256) {
        return (1 << (expBits(f) - 1)) - 1;
    }

    /// 0x7FC00000 or 0x7FF8000000000000.
    function canonicalNaN(uint256 f) internal pure returns (uint256) {
        return infinity(f) | (1 << (f - 1));
    }

    function isNaN(uint256 x, uint256 f) internal pure returns (bool) {
        return x & (signBit(f) - 1) > infinity(f);
    }

    /// |x| = m * 2^q for a finite x (zero gives m = 0).
    function unpack(uint256 x, uint256 f) internal pure returns (uint256 m, int256 q) {
        unchecked {
            uint256 e = (x >> f) & ((1 << expBits(f)) - 1);
            m = x & ((1 << f) - 1);
            if (e == 0) e = 1; // subnormal: same scale as the smallest normal, no implicit bit
            else m |= 1 << f;
            q = int256(e) - int256(bias(f) + f);
        }
    }

    // -----------------------------------------------------------------------------------
    // Rounding

    /// m / 2^s rounded to nearest, ties to even (s <= 0: m * 2^-s, exact).
    function shiftRightRound(uint256 m, int256 s) internal pure returns (uint256 r) {
        unchecked {
            if (s <= 0) return m << uint256(-s);
            if (s > 256) return 0; // m < 2^256 <= half of 2^s
            uint256 k = uint256(s);
            r = m >> k; // shifts by 256 give 0, so s = 256 needs no special case
            uint256 rest = m - (r << k);
            uint256 half = 1 << (k - 1);
            if (rest > half || (rest == half && r & 1 == 1)) r += 1;
        }
    }

    /// The float nearest to (-1)^sign * m * 2^q, as bits; `sign` is 0 or the sign bit.
    /// Callers pass either an exact m, or an m of at least f + 3 bits whose lowest bit is
    /// a sticky bit (set when the true value lies strictly above m * 2^q): the rounding
    /// position is then at least 2 bits above it, so the sticky bit only breaks ties.
    function roundPack(uint256 sign, uint256 m, int256 q, uint256 f) internal pure returns (uint256) {
        unchecked {
            if (m == 0) return sign;
            int256 emin = 1 - int256(bias(f));
            int256 top = int256(Int.msb(m)) + q; // exponent of the leading bit
            // scale of the result's last bit: normal numbers keep f + 1 bits, subnormals
            // have the fixed scale emin - f
            int256 scale = (top < emin ? emin : top) - int256(f);
            uint256 r = shiftRightRound(m, scale - q);
            if (r >> (f + 1) != 0) (r, scale) = (r >> 1, scale + 1); // rounded up to 2^(f+1)
            if (r >> f == 0) return sign | r; // subnormal or zero
            uint256 biased = uint256(scale + int256(f + bias(f)));
            if (biased >= (1 << expBits(f)) - 1) return sign | infinity(f);
            return sign | (biased << f) | (r & ((1 << f) - 1));
        }
    }

    // -----------------------------------------------------------------------------------
    // Arithmetic

    function add(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        uint256 inf = infinity(f);
        uint256 absA = a & (signBit(f) - 1);
        uint256 absB = b & (signBit(f) - 1);
        if (absA > inf || absB > inf) return canonicalNaN(f);
        if (absA == inf) return absB == inf && a != b ? canonicalNaN(f) : a; // inf - inf
        if (absB == inf) return b;
        if (absA == 0) return absB == 0 ? a & b : b; // -0 + -0 = -0, -0 + +0 = +0
        if (absB == 0) return a;
        return addFinite(a, b, f);
    }

    function sub(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        return add(a, b ^ signBit(f), f);
    }

    /// a + b for finite nonzero a, b.
    function addFinite(uint256 a, uint256 b, uint256 f) private pure returns (uint256) {
        unchecked {
            (uint256 ma, int256 qa) = unpack(a, f);
            (uint256 mb, int256 qb) = unpack(b, f);
            if (qa < qb) {
                (ma, qa, mb, qb) = (mb, qb, ma, qa);
                (a, b) = (b, a);
            }
            uint256 d = uint256(qa - qb);
            // |b| < 2^(qb + f + 1) <= ulp(a) / 4 (a is normal when d > 0): a +- b rounds
            // to a, even when a is a power of two with a closer neighbour below
            if (d > f + 2) return a;
            ma <<= d; // exact: ma * 2^d < 2^(2f + 3)
            uint256 signA = a & signBit(f);
            uint256 signB = b & signBit(f);
            if (signA == signB) return roundPack(signA, ma + mb, qb, f);
            if (ma > mb) return roundPack(signA, ma - mb, qb, f);
            if (mb > ma) return roundPack(signB, mb - ma, qb, f);
            return 0; // x - x = +0 when rounding to nearest
        }
    }

    function mul(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        unchecked {
            uint256 inf = infinity(f);
            uint256 sign = (a ^ b) & signBit(f);
            uint256 absA = a & (signBit(f) - 1);
            uint256 absB = b & (signBit(f) - 1);
            if (absA > inf || absB > inf) return canonicalNaN(f);
            if (absA == inf || absB == inf) return absA == 0 || absB == 0 ? canonicalNaN(f) : sign | inf;
            (uint256 ma, int256 qa) = unpack(a, f);
            (uint256 mb, int256 qb) = unpack(b, f);
            return roundPack(sign, ma * mb, qa + qb, f); // exact product: < 2^106
        }
    }

    function div(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        unchecked {
            uint256 inf = infinity(f);
            uint256 sign = (a ^ b) & signBit(f);
            uint256 absA = a & (signBit(f) - 1);
            uint256 absB = b & (signBit(f) - 1);
            if (absA > inf || absB > inf) return canonicalNaN(f);
            if (absA == inf) return absB == inf ? canonicalNaN(f) : sign | inf;
            if (absB == inf) return sign; // finite / inf = 0
            if (absB == 0) return absA == 0 ? canonicalNaN(f) : sign | inf;
            return divFinite(a, b, sign, f);
        }
    }

    /// a / b for finite nonzero a, b; `sign` is the result's.
    function divFinite(uint256 a, uint256 b, uint256 sign, uint256 f) private pure returns (uint256) {
        unchecked {
            (uint256 ma, int256 qa) = unpack(a, f);
            (uint256 mb, int256 qb) = unpack(b, f);
            // scale the dividend so that the quotient has f + 3 or f + 4 bits: enough for
            // the round bit and one more, below which the remainder is a sticky bit
            uint256 k = f + 3 + Int.msb(mb) - Int.msb(ma);
            uint256 m = (ma << k) / mb;
            if (m * mb != ma << k) m |= 1;
            return roundPack(sign, m, qa - qb - int256(k), f);
        }
    }

    function sqrt(uint256 x, uint256 f) internal pure returns (uint256) {
        unchecked {
            uint256 absX = x & (signBit(f) - 1);
            if (absX > infinity(f)) return canonicalNaN(f);
            if (absX == 0) return x; // sqrt(-0) = -0
            if (x != absX) return canonicalNaN(f); // negative, -inf included
            if (absX == infinity(f)) return x;
            (uint256 m, int256 q) = unpack(x, f);
            // scale m by an even power 2^s (s >= 0, q - s even) so that the root of
            // n = m * 2^s has f + 3 or f + 4 bits; the remainder becomes a sticky bit
            uint256 s = 2 * f + 5 - Int.msb(m);
            if ((uint256(q) - s) & 1 != 0) s += 1;
            uint256 n = m << s;
            uint256 r = isqrt(n);
            if (r * r != n) r |= 1;
            return roundPack(0, r, (q - int256(s)) / 2, f);
        }
    }

    /// floor(sqrt(n)): Newton's iteration from above, starting within a factor of 2 (about
    /// 6 steps for the 110-bit operands of f64 sqrt).
    function isqrt(uint256 n) internal pure returns (uint256 x) {
        unchecked {
            if (n == 0) return 0;
            x = 1 << ((Int.msb(n) >> 1) + 1);
            while (true) {
                uint256 y = (x + n / x) >> 1;
                if (y >= x) return x;
                x = y;
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Comparisons (false on NaN, -0 == +0), min and max

    function eq(uint256 a, uint256 b, uint256 f) internal pure returns (bool) {
        if (isNaN(a, f) || isNaN(b, f)) return false;
        return a == b || (a | b) & (signBit(f) - 1) == 0;
    }

    function lt(uint256 a, uint256 b, uint256 f) internal pure returns (bool) {
        if (isNaN(a, f) || isNaN(b, f)) return false;
        if ((a | b) & (signBit(f) - 1) == 0) return false; // both zeros
        uint256 signA = a & signBit(f);
        if (signA != b & signBit(f)) return signA != 0;
        // same sign: magnitudes order like their bit patterns
        return signA == 0 ? a < b : a > b;
    }

    function le(uint256 a, uint256 b, uint256 f) internal pure returns (bool) {
        return lt(a, b, f) || eq(a, b, f);
    }

    /// NaN if either is NaN; -0 < +0.
    function min(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        if (isNaN(a, f) || isNaN(b, f)) return canonicalNaN(f);
        if (lt(a, b, f)) return a;
        if (lt(b, a, f)) return b;
        return a | b; // equal: the same bits, or zeros where -0 wins
    }

    function max(uint256 a, uint256 b, uint256 f) internal pure returns (uint256) {
        if (isNaN(a, f) || isNaN(b, f)) return canonicalNaN(f);
        if (lt(a, b, f)) return b;
        if (lt(b, a, f)) return a;
        return a & b; // equal: the same bits, or zeros where +0 wins
    }

    // -----------------------------------------------------------------------------------
    // Rounding to an integral value: ceil, floor, trunc, nearest. Exact, on the bits.

    uint256 internal constant TRUNC = 0;
    uint256 internal constant FLOOR = 1;
    uint256 internal constant CEIL = 2;
    uint256 internal constant NEAREST = 3;

    function roundToIntegral(uint256 x, uint256 f, uint256 mode) internal pure returns (uint256) {
        unchecked {
            uint256 sign = x & signBit(f);
            uint256 absX = x ^ sign;
            if (absX > infinity(f)) return canonicalNaN(f);
            uint256 e = absX >> f; // biased exponent
            if (absX == 0 || e >= bias(f) + f) return x; // zero, infinity, or already integral
            bool up; // whether the magnitude rounds away from zero
            if (e < bias(f)) {
                // 0 < |x| < 1: the result is ±0 or ±1
                if (mode == FLOOR) up = sign != 0;
                else if (mode == CEIL) up = sign == 0;
                else if (mode == NEAREST) up = absX > (bias(f) - 1) << f; // |x| > 0.5
                return sign | (up ? bias(f) << f : 0);
            }
            uint256 bits = bias(f) + f - e; // fraction bits of |x|, 1..f
            uint256 rest = absX & ((1 << bits) - 1);
            if (rest == 0) return x;
            uint256 t = absX - rest;
            if (mode == FLOOR) up = sign != 0;
            else if (mode == CEIL) up = sign == 0;
            else if (mode == NEAREST) {
                uint256 half = 1 << (bits - 1);
                // the integer part's parity is the significand bit at `bits` (the hidden
                // bit when bits = f: the integer is 1, odd)
                bool odd = bits == f || (t >> bits) & 1 == 1;
                up = rest > half || (rest == half && odd);
            }
            // adding one unit may carry into the exponent field: that is the next binade
            return sign | (up ? t + (1 << bits) : t);
        }
    }

    // -----------------------------------------------------------------------------------
    // Conversions

    /// Float of format `f` nearest to the integer (-1)^negative * magnitude.
    function fromInt(bool negative, uint256 magnitude, uint256 f) internal pure returns (uint256) {
        return roundPack(negative ? signBit(f) : 0, magnitude, 0, f);
    }

    /// Converts between formats (demote rounds, promote is exact); NaN becomes canonical.
    function convert(uint256 x, uint256 from, uint256 to) internal pure returns (uint256) {
        uint256 sign = x & signBit(from) == 0 ? 0 : signBit(to);
        uint256 absX = x & (signBit(from) - 1);
        if (absX > infinity(from)) return canonicalNaN(to);
        if (absX == infinity(from)) return sign | infinity(to);
        (uint256 m, int256 q) = unpack(absX, from);
        return roundPack(sign, m, q, to);
    }

    /// The integer part of a non-NaN x, as sign and magnitude; the magnitude is capped at
    /// 2^(cap) (anything that large is out of range for every integer type of cap bits).
    function truncToMagnitude(uint256 x, uint256 f, uint256 cap) internal pure returns (bool negative, uint256 mag) {
        unchecked {
            negative = x & signBit(f) != 0;
            uint256 absX = x & (signBit(f) - 1);
            uint256 e = absX >> f;
            if (e < bias(f)) return (negative, 0); // |x| < 1 (zeros and subnormals too)
            uint256 k = e - bias(f); // |x| in [2^k, 2^(k+1))
            if (k >= cap) return (negative, 1 << cap); // infinities too
            uint256 m = (absX & ((1 << f) - 1)) | (1 << f);
            mag = k >= f ? m << (k - f) : m >> (f - k);
        }
    }
}
