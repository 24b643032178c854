// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Traps} from "./Traps.sol";

/// The wasm integer ops (i32 and i64) on bit patterns (spec: interpreter/exec/ixx.ml).
///
/// Every function takes the width `n` (32 or 64) and operands below 2^n, and returns a
/// result below 2^n (comparisons and eqz: 0 or 1). One generic body serves both widths,
/// so an opcode contract embeds each op once. Division and remainder return a trap code
/// (Traps) beside the result instead of reverting; nothing else traps.
library Int {
    function mask(uint256 n) internal pure returns (uint256) {
        return (1 << n) - 1;
    }

    /// Two's complement value of an n-bit pattern.
    function signed(uint256 a, uint256 n) internal pure returns (int256) {
        unchecked {
            return a >> (n - 1) == 0 ? int256(a) : int256(a) - int256(1 << n);
        }
    }

    /// Sign-extends the low `from` bits of `a` to n bits (extend8_s, extend16_s, extend32_s).
    function extendS(uint256 a, uint256 from, uint256 n) internal pure returns (uint256) {
        unchecked {
            uint256 low = a & ((1 << from) - 1);
            return low >> (from - 1) == 0 ? low : (low | ~((1 << from) - 1)) & mask(n);
        }
    }

    // -----------------------------------------------------------------------------------
    // Arithmetic, modulo 2^n

    function add(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        unchecked {
            return (a + b) & mask(n);
        }
    }

    function sub(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        unchecked {
            return (a - b) & mask(n);
        }
    }

    function mul(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        unchecked {
            return (a * b) & mask(n); // a * b < 2^128: exact before the mask
        }
    }

    /// Traps: divide by zero, integer overflow (INT_MIN / -1).
    function divS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256, uint8) {
        if (b == 0) return (0, Traps.DIVIDE_BY_ZERO);
        if (a == 1 << (n - 1) && b == mask(n)) return (0, Traps.INTEGER_OVERFLOW);
        // int256 division truncates toward zero, as wasm does; no overflow at 256 bits
        return (uint256(signed(a, n) / signed(b, n)) & mask(n), Traps.NONE);
    }

    /// Traps: divide by zero.
    function divU(uint256 a, uint256 b) internal pure returns (uint256, uint8) {
        if (b == 0) return (0, Traps.DIVIDE_BY_ZERO);
        return (a / b, Traps.NONE);
    }

    /// Traps: divide by zero. INT_MIN rem -1 is 0: the remainder takes the dividend's sign.
    function remS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256, uint8) {
        if (b == 0) return (0, Traps.DIVIDE_BY_ZERO);
        return (uint256(signed(a, n) % signed(b, n)) & mask(n), Traps.NONE);
    }

    /// Traps: divide by zero.
    function remU(uint256 a, uint256 b) internal pure returns (uint256, uint8) {
        if (b == 0) return (0, Traps.DIVIDE_BY_ZERO);
        return (a % b, Traps.NONE);
    }

    // -----------------------------------------------------------------------------------
    // Shifts and rotations: the count is taken modulo n

    function shl(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return (a << (b & (n - 1))) & mask(n);
    }

    function shrU(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return a >> (b & (n - 1));
    }

    function shrS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        // `>>` on int256 is an arithmetic shift (rounds toward negative infinity)
        return uint256(signed(a, n) >> (b & (n - 1))) & mask(n);
    }

    function rotl(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        uint256 k = b & (n - 1);
        return ((a << k) | (a >> (n - k))) & mask(n); // k = 0: a >> n is 0
    }

    function rotr(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        uint256 k = b & (n - 1);
        return ((a >> k) | (a << (n - k))) & mask(n);
    }

    // -----------------------------------------------------------------------------------
    // Bit counts

    /// Index of the highest set bit of x > 0 (binary search: 8 steps, no loop).
    function msb(uint256 x) internal pure returns (uint256 r) {
        unchecked {
            if (x >> 128 != 0) (x, r) = (x >> 128, 128);
            if (x >> 64 != 0) (x, r) = (x >> 64, r + 64);
            if (x >> 32 != 0) (x, r) = (x >> 32, r + 32);
            if (x >> 16 != 0) (x, r) = (x >> 16, r + 16);
            if (x >> 8 != 0) (x, r) = (x >> 8, r + 8);
            if (x >> 4 != 0) (x, r) = (x >> 4, r + 4);
            if (x >> 2 != 0) (x, r) = (x >> 2, r + 2);
            if (x >> 1 != 0) r += 1;
        }
    }

    function clz(uint256 a, uint256 n) internal pure returns (uint256) {
        unchecked {
            return a == 0 ? n : n - 1 - msb(a);
        }
    }

    function ctz(uint256 a, uint256 n) internal pure returns (uint256) {
        unchecked {
            return a == 0 ? n : msb(a & (~a + 1)); // a & -a isolates the lowest set bit
        }
    }

    /// SWAR population count of a 64-bit value (an i32 has a zero high half).
    function popcnt(uint256 a) internal pure returns (uint256) {
        unchecked {
            a = a - ((a >> 1) & 0x5555555555555555);
            a = (a & 0x3333333333333333) + ((a >> 2) & 0x3333333333333333);
            a = (a + (a >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return ((a * 0x0101010101010101) >> 56) & 0xff;
        }
    }

    // -----------------------------------------------------------------------------------
    // Comparisons: 1 or 0

    function b2u(bool x) internal pure returns (uint256) {
        return x ? 1 : 0;
    }

    function eqz(uint256 a) internal pure returns (uint256) {
        return b2u(a == 0);
    }

    function eq(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a == b);
    }

    function ne(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a != b);
    }

    function ltU(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a < b);
    }

    function gtU(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a > b);
    }

    function leU(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a <= b);
    }

    function geU(uint256 a, uint256 b) internal pure returns (uint256) {
        return b2u(a >= b);
    }

    function ltS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return b2u(signed(a, n) < signed(b, n));
    }

    function gtS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return b2u(signed(a, n) > signed(b, n));
    }

    function leS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return b2u(signed(a, n) <= signed(b, n));
    }

    function geS(uint256 a, uint256 b, uint256 n) internal pure returns (uint256) {
        return b2u(signed(a, n) >= signed(b, n));
    }
}
