// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {Int} from "../../src/verifier/numerics/Int.sol";
import {F32} from "../../src/verifier/numerics/F32.sol";
import {F64} from "../../src/verifier/numerics/F64.sol";
import {Convert} from "../../src/verifier/numerics/Convert.sol";
import {Fp} from "../../src/verifier/numerics/Fp.sol";
import {Traps} from "../../src/verifier/numerics/Traps.sol";

/// Fuzzed algebraic properties of the numeric core that hold for every input (the vectors
/// check agreement with the TypeScript machine; these check the libraries against
/// themselves and against arithmetic facts), and gas bounds of the costliest ops.
contract NumericPropertiesTest is Test {
    uint64 private constant NAN64 = 0x7FF8000000000000;
    uint32 private constant NAN32 = 0x7FC00000;

    function isNaN64(uint64 x) private pure returns (bool) {
        return x & 0x7FFFFFFFFFFFFFFF > 0x7FF0000000000000;
    }

    function isNaN32(uint32 x) private pure returns (bool) {
        return x & 0x7FFFFFFF > 0x7F800000;
    }

    // -----------------------------------------------------------------------------------
    // f32 from f64: 53 >= 2 * 24 + 2 bits, so rounding the exact-in-f64 result of an f32
    // operation to binary32 is correctly rounded (no double rounding). The two formats'
    // code paths in Fp must therefore agree, NaN rule included.

    function testFuzz_f32_arithmetic_equals_demoted_f64(uint32 a, uint32 b) public pure {
        uint64 a64 = Convert.promote(a);
        uint64 b64 = Convert.promote(b);
        // promote canonicalizes NaN inputs; f32 ops give the canonical NaN on any NaN input
        assertEq(F32.add(a, b), Convert.demote(F64.add(a64, b64)), "add");
        assertEq(F32.sub(a, b), Convert.demote(F64.sub(a64, b64)), "sub");
        assertEq(F32.mul(a, b), Convert.demote(F64.mul(a64, b64)), "mul");
        assertEq(F32.div(a, b), Convert.demote(F64.div(a64, b64)), "div");
        assertEq(F32.sqrt(a), Convert.demote(F64.sqrt(a64)), "sqrt");
    }

    // -----------------------------------------------------------------------------------
    // Identities

    function testFuzz_f64_add_mul_min_max_commute(uint64 a, uint64 b) public pure {
        assertEq(F64.add(a, b), F64.add(b, a), "add");
        assertEq(F64.mul(a, b), F64.mul(b, a), "mul");
        assertEq(F64.min(a, b), F64.min(b, a), "min");
        assertEq(F64.max(a, b), F64.max(b, a), "max");
        assertEq(F64.sub(a, b), F64.add(a, F64.neg(b)), "a - b = a + -b");
    }

    function testFuzz_f64_neutral_elements(uint64 x) public pure {
        if (isNaN64(x)) {
            assertEq(F64.mul(x, 0x3FF0000000000000), NAN64, "NaN * 1 is the canonical NaN");
            return;
        }
        assertEq(F64.mul(x, 0x3FF0000000000000), x, "x * 1");
        assertEq(F64.div(x, 0x3FF0000000000000), x, "x / 1");
        assertEq(F64.add(x, 0x8000000000000000), x, "x + -0");
        if (x & 0x7FFFFFFFFFFFFFFF < 0x7FF0000000000000) assertEq(F64.sub(x, x), 0, "x - x = +0");
    }

    function testFuzz_f64_exact_products_invert(uint32 seedA, uint32 seedB, uint8 scale) public pure {
        // integers below 2^26: their product has at most 52 bits, so x * y is exact
        uint64 x = uint64(Convert.fromInt(seedA >> 6, 32, false, Fp.F64));
        uint64 y = uint64(Convert.fromInt((seedB >> 6) | 1, 32, false, Fp.F64));
        // a power-of-two scale keeps everything exact (2^-64 .. 2^63)
        uint64 p = uint64(int64(int256(1023) + int256(uint256(scale % 128)) - 64)) << 52;
        x = F64.mul(x, p);
        uint64 product = F64.mul(x, y);
        assertEq(F64.div(product, y), x, "(x * y) / y");
        assertEq(F64.sqrt(F64.mul(x, x)), x, "sqrt(x * x)");
        assertEq(F64.sqrt(F64.mul(F64.neg(x), F64.neg(x))), x, "sqrt((-x) * (-x))");
    }

    function testFuzz_f64_comparisons_are_consistent(uint64 a, uint64 b) public pure {
        bool lt = F64.lt(a, b);
        bool gt = F64.gt(a, b);
        bool eq = F64.eq(a, b);
        if (isNaN64(a) || isNaN64(b)) {
            assertFalse(lt || gt || eq || F64.le(a, b) || F64.ge(a, b), "NaN is unordered");
            assertTrue(F64.ne(a, b), "NaN != anything");
            return;
        }
        assertEq((lt ? 1 : 0) + (gt ? 1 : 0) + (eq ? 1 : 0), uint256(1), "exactly one of < > ==");
        assertEq(F64.le(a, b), lt || eq, "<=");
        assertEq(F64.ge(a, b), gt || eq, ">=");
        assertEq(F64.min(a, b), lt ? a : gt ? b : a | b, "min");
    }

    function testFuzz_f64_rounding_to_integral_brackets(uint64 x) public pure {
        if (isNaN64(x)) {
            assertEq(F64.floor(x), NAN64, "floor(NaN)");
            return;
        }
        uint64 lo = F64.floor(x);
        uint64 hi = F64.ceil(x);
        assertTrue(F64.le(lo, x) && F64.le(x, hi), "floor(x) <= x <= ceil(x)");
        assertTrue(lo == hi || F64.eq(F64.add(lo, 0x3FF0000000000000), hi), "ceil - floor is 0 or 1");
        uint64 t = F64.trunc(x);
        assertEq(t, x >> 63 == 1 ? hi : lo, "trunc rounds toward zero");
        uint64 n = F64.nearest(x);
        assertTrue(n == lo || n == hi, "nearest is floor or ceil");
        assertEq(F64.nearest(n), n, "nearest is idempotent");
        assertEq(n >> 63, x >> 63, "nearest keeps the sign");
    }

    function testFuzz_f32_abs_neg_copysign_touch_only_the_sign(uint32 x, uint32 y) public pure {
        assertEq(F32.abs(x), x & 0x7FFFFFFF, "abs");
        assertEq(F32.neg(F32.neg(x)), x, "neg neg");
        assertEq(F32.copysign(x, y), (x & 0x7FFFFFFF) | (y & 0x80000000), "copysign");
        if (isNaN32(x)) assertEq(F32.nearest(x), NAN32, "nearest(NaN)");
    }

    // -----------------------------------------------------------------------------------
    // Conversions

    function testFuzz_conversion_round_trips(uint32 i, int64 j, uint32 f) public pure {
        // every i32 is exact in f64
        (uint256 back, uint8 trap) = Convert.trunc(Convert.fromInt(i, 32, true, Fp.F64), Fp.F64, 32, true);
        assertEq(back, i, "i32 -> f64 -> i32 (s)");
        assertEq(trap, Traps.NONE, "no trap");
        (back, trap) = Convert.trunc(Convert.fromInt(i, 32, false, Fp.F64), Fp.F64, 32, false);
        assertEq(back, i, "u32 -> f64 -> u32");
        // i64 below 2^53 in magnitude is exact in f64
        int64 small = j % int64(1 << 53);
        uint256 bits = uint64(small);
        (back, trap) = Convert.trunc(Convert.fromInt(bits, 64, true, Fp.F64), Fp.F64, 64, true);
        assertEq(back, bits, "i64 -> f64 -> i64");
        assertEq(Convert.truncSat(Convert.fromInt(bits, 64, true, Fp.F64), Fp.F64, 64, true), bits, "sat agrees in range");
        // f32 -> f64 -> f32 is the identity except that NaN becomes canonical
        assertEq(Convert.demote(Convert.promote(f)), isNaN32(f) ? NAN32 : f, "promote then demote");
    }

    function testFuzz_trunc_traps_exactly_where_sat_clamps(uint64 x) public pure {
        (uint256 r, uint8 trap) = Convert.trunc(x, Fp.F64, 32, true);
        uint256 sat = Convert.truncSat(x, Fp.F64, 32, true);
        if (isNaN64(x)) {
            assertEq(trap, Traps.INVALID_CONVERSION, "NaN: invalid conversion");
            assertEq(sat, 0, "sat(NaN) = 0");
        } else if (trap == Traps.NONE) {
            assertEq(r, sat, "in range: same result");
        } else {
            assertEq(trap, Traps.INTEGER_OVERFLOW, "out of range: overflow");
            assertEq(sat, x >> 63 == 1 ? 0x80000000 : 0x7FFFFFFF, "sat clamps to the bound");
        }
    }

    // -----------------------------------------------------------------------------------
    // Integers

    function testFuzz_int_division_identity(uint64 a, uint64 b) public pure {
        (uint256 q, uint8 t1) = Int.divS(a, b, 64);
        (uint256 r, uint8 t2) = Int.remS(a, b, 64);
        if (b == 0) {
            assertEq(t1, Traps.DIVIDE_BY_ZERO, "div by 0");
            assertEq(t2, Traps.DIVIDE_BY_ZERO, "rem by 0");
            return;
        }
        assertEq(t2, Traps.NONE, "rem never overflows");
        if (t1 == Traps.INTEGER_OVERFLOW) {
            assertTrue(a == 1 << 63 && b == type(uint64).max, "only INT64_MIN / -1 overflows");
            return;
        }
        assertEq(Int.add(Int.mul(q, b, 64), r, 64), a, "q * b + r = a");
        (q,) = Int.divU(a, b);
        (r,) = Int.remU(a, b);
        assertEq(q * b + r, a, "unsigned: q * b + r = a");
    }

    function testFuzz_int_bits(uint64 a, uint64 k) public pure {
        assertEq(Int.rotl(Int.rotr(a, k, 64), k, 64), a, "rotl undoes rotr");
        assertEq(Int.popcnt(a) + Int.popcnt(~a), 64, "popcnt(a) + popcnt(~a)");
        assertEq(Int.clz(a >> 1, 64), a == 0 ? 64 : Int.clz(a, 64) + 1, "clz of a shifted value");
        assertEq(Int.shl(a, uint256(k) + 64, 64), Int.shl(a, k, 64), "shift counts are taken mod 64");
        uint32 lo = uint32(a);
        assertEq(Int.ctz(lo, 32), lo == 0 ? 32 : Int.ctz(a | (1 << 32), 64), "ctz i32 / i64 agree");
        assertEq(Int.shrS(a, 63, 64), a >> 63 == 1 ? type(uint64).max : 0, "shr_s 63 spreads the sign");
    }

    // -----------------------------------------------------------------------------------
    // Gas of the costliest float ops on their hardest inputs (subnormals, long Newton
    // runs, huge exponent gaps). Bounds leave room; docs/verifier-numerics.md has figures.

    function test_gas_worst_cases() public view {
        uint64[6] memory hard = [
            uint64(0x0000000000000001), // smallest subnormal
            0x000FFFFFFFFFFFFF, // largest subnormal
            0x7FEFFFFFFFFFFFFF, // largest normal
            0x3FF0000000000001, // 1 + ulp
            0x3FEFFFFFFFFFFFFF, // 1 - ulp / 2
            0x4000000000000000 // 2
        ];
        uint256 worstDiv;
        uint256 worstSqrt;
        for (uint256 i = 0; i < hard.length; i++) {
            for (uint256 j = 0; j < hard.length; j++) {
                uint256 g = gasleft();
                F64.div(hard[i], hard[j]);
                uint256 used = g - gasleft();
                if (used > worstDiv) worstDiv = used;
            }
            uint256 g2 = gasleft();
            F64.sqrt(hard[i]);
            uint256 used2 = g2 - gasleft();
            if (used2 > worstSqrt) worstSqrt = used2;
        }
        assertTrue(worstDiv < 6_000, string.concat("f64.div worst gas ", vm.toString(worstDiv)));
        assertTrue(worstSqrt < 10_000, string.concat("f64.sqrt worst gas ", vm.toString(worstSqrt)));
    }
}
