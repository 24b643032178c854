// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Fp} from "./Fp.sol";
import {Int} from "./Int.sol";
import {Traps} from "./Traps.sol";

/// The wasm conversions (spec: interpreter/exec/convert.ml) on bit patterns.
///
/// Float formats are named by fraction width (Fp.F32 = 23, Fp.F64 = 52), integer types by
/// bit width n (32, 64). Only the trapping truncations return a nonzero trap code:
/// invalid conversion on NaN, integer overflow when the truncated value does not fit.
/// Reinterpretations keep the bits and need no function.
library Convert {
    // -----------------------------------------------------------------------------------
    // Float -> integer

    /// i{n}.trunc_f{..}_{s,u}: rounds toward zero. Traps: invalid conversion (NaN),
    /// integer overflow (out of range, infinities).
    function trunc(uint256 x, uint256 f, uint256 n, bool signed) internal pure returns (uint256, uint8) {
        if (Fp.isNaN(x, f)) return (0, Traps.INVALID_CONVERSION);
        (bool negative, uint256 mag) = Fp.truncToMagnitude(x, f, n + 1);
        if (mag > maxMagnitude(negative, n, signed)) return (0, Traps.INTEGER_OVERFLOW);
        return (withSign(negative, mag, n), Traps.NONE);
    }

    /// i{n}.trunc_sat_f{..}_{s,u}: NaN is 0, out-of-range values take the nearest bound.
    function truncSat(uint256 x, uint256 f, uint256 n, bool signed) internal pure returns (uint256) {
        if (Fp.isNaN(x, f)) return 0;
        (bool negative, uint256 mag) = Fp.truncToMagnitude(x, f, n + 1);
        uint256 limit = maxMagnitude(negative, n, signed);
        return withSign(negative, mag > limit ? limit : mag, n);
    }

    /// The largest magnitude of the given sign that type i{n} (signed or not) holds.
    function maxMagnitude(bool negative, uint256 n, bool signed) private pure returns (uint256) {
        if (!signed) return negative ? 0 : (1 << n) - 1;
        return negative ? 1 << (n - 1) : (1 << (n - 1)) - 1;
    }

    /// The n-bit two's complement pattern of (-1)^negative * mag, for mag <= 2^n.
    function withSign(bool negative, uint256 mag, uint256 n) private pure returns (uint256) {
        unchecked {
            return negative ? ((1 << n) - mag) & Int.mask(n) : mag;
        }
    }

    // -----------------------------------------------------------------------------------
    // Integer -> float, correctly rounded

    /// f{..}.convert_i{n}_{s,u} of the n-bit pattern a.
    function fromInt(uint256 a, uint256 n, bool signed, uint256 f) internal pure returns (uint256) {
        unchecked {
            bool negative = signed && a >> (n - 1) == 1;
            return Fp.fromInt(negative, negative ? (1 << n) - a : a, f);
        }
    }

    // -----------------------------------------------------------------------------------
    // Float <-> float, integer <-> integer

    /// f32.demote_f64: rounds to nearest binary32; NaN becomes the canonical f32 NaN.
    function demote(uint64 x) internal pure returns (uint32) {
        return uint32(Fp.convert(x, Fp.F64, Fp.F32));
    }

    /// f64.promote_f32: exact; NaN becomes the canonical f64 NaN.
    function promote(uint32 x) internal pure returns (uint64) {
        return uint64(Fp.convert(x, Fp.F32, Fp.F64));
    }

    function wrap(uint64 a) internal pure returns (uint32) {
        return uint32(a);
    }

    function extendS(uint32 a) internal pure returns (uint64) {
        return uint64(Int.extendS(a, 32, 64));
    }

    function extendU(uint32 a) internal pure returns (uint64) {
        return a;
    }
}
