// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Fp} from "./Fp.sol";

/// wasm f32 ops on binary32 bit patterns: typed entry points over Fp (see Fp.sol for the
/// algorithms). Arithmetic results that are NaN are the canonical NaN 0x7FC00000; abs, neg
/// and copysign touch only the sign bit, so NaN payloads pass through them.
library F32 {
    uint256 private constant F = Fp.F32;
    uint32 private constant SIGN = 0x80000000;

    function add(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.add(a, b, F));
    }

    function sub(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.sub(a, b, F));
    }

    function mul(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.mul(a, b, F));
    }

    function div(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.div(a, b, F));
    }

    function sqrt(uint32 a) internal pure returns (uint32) {
        return uint32(Fp.sqrt(a, F));
    }

    function min(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.min(a, b, F));
    }

    function max(uint32 a, uint32 b) internal pure returns (uint32) {
        return uint32(Fp.max(a, b, F));
    }

    function ceil(uint32 a) internal pure returns (uint32) {
        return uint32(Fp.roundToIntegral(a, F, Fp.CEIL));
    }

    function floor(uint32 a) internal pure returns (uint32) {
        return uint32(Fp.roundToIntegral(a, F, Fp.FLOOR));
    }

    function trunc(uint32 a) internal pure returns (uint32) {
        return uint32(Fp.roundToIntegral(a, F, Fp.TRUNC));
    }

    function nearest(uint32 a) internal pure returns (uint32) {
        return uint32(Fp.roundToIntegral(a, F, Fp.NEAREST));
    }

    function abs(uint32 a) internal pure returns (uint32) {
        return a & ~SIGN;
    }

    function neg(uint32 a) internal pure returns (uint32) {
        return a ^ SIGN;
    }

    function copysign(uint32 a, uint32 b) internal pure returns (uint32) {
        return (a & ~SIGN) | (b & SIGN);
    }

    function eq(uint32 a, uint32 b) internal pure returns (bool) {
        return Fp.eq(a, b, F);
    }

    function ne(uint32 a, uint32 b) internal pure returns (bool) {
        return !Fp.eq(a, b, F);
    }

    function lt(uint32 a, uint32 b) internal pure returns (bool) {
        return Fp.lt(a, b, F);
    }

    function gt(uint32 a, uint32 b) internal pure returns (bool) {
        return Fp.lt(b, a, F);
    }

    function le(uint32 a, uint32 b) internal pure returns (bool) {
        return Fp.le(a, b, F);
    }

    function ge(uint32 a, uint32 b) internal pure returns (bool) {
        return Fp.le(b, a, F);
    }
}
