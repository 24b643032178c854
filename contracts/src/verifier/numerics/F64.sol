// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Fp} from "./Fp.sol";

/// wasm f64 ops on binary64 bit patterns: typed entry points over Fp (see Fp.sol for the
/// algorithms). Arithmetic results that are NaN are the canonical NaN 0x7FF8000000000000; abs, neg
/// and copysign touch only the sign bit, so NaN payloads pass through them.
library F64 {
    uint256 private constant F = Fp.F64;
    uint64 private constant SIGN = 0x8000000000000000;

    function add(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.add(a, b, F));
    }

    function sub(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.sub(a, b, F));
    }

    function mul(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.mul(a, b, F));
    }

    function div(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.div(a, b, F));
    }

    function sqrt(uint64 a) internal pure returns (uint64) {
        return uint64(Fp.sqrt(a, F));
    }

    function min(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.min(a, b, F));
    }

    function max(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(Fp.max(a, b, F));
    }

    function ceil(uint64 a) internal pure returns (uint64) {
        return uint64(Fp.roundToIntegral(a, F, Fp.CEIL));
    }

    function floor(uint64 a) internal pure returns (uint64) {
        return uint64(Fp.roundToIntegral(a, F, Fp.FLOOR));
    }

    function trunc(uint64 a) internal pure returns (uint64) {
        return uint64(Fp.roundToIntegral(a, F, Fp.TRUNC));
    }

    function nearest(uint64 a) internal pure returns (uint64) {
        return uint64(Fp.roundToIntegral(a, F, Fp.NEAREST));
    }

    function abs(uint64 a) internal pure returns (uint64) {
        return a & ~SIGN;
    }

    function neg(uint64 a) internal pure returns (uint64) {
        return a ^ SIGN;
    }

    function copysign(uint64 a, uint64 b) internal pure returns (uint64) {
        return (a & ~SIGN) | (b & SIGN);
    }

    function eq(uint64 a, uint64 b) internal pure returns (bool) {
        return Fp.eq(a, b, F);
    }

    function ne(uint64 a, uint64 b) internal pure returns (bool) {
        return !Fp.eq(a, b, F);
    }

    function lt(uint64 a, uint64 b) internal pure returns (bool) {
        return Fp.lt(a, b, F);
    }

    function gt(uint64 a, uint64 b) internal pure returns (bool) {
        return Fp.lt(b, a, F);
    }

    function le(uint64 a, uint64 b) internal pure returns (bool) {
        return Fp.le(a, b, F);
    }

    function ge(uint64 a, uint64 b) internal pure returns (bool) {
        return Fp.le(b, a, F);
    }
}
