// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {IOpGroup, Machine, ProofErrors} from "../Machine.sol";
import {Convert} from "../numerics/Convert.sol";
import {F32} from "../numerics/F32.sol";
import {F64} from "../numerics/F64.sol";
import {Fp} from "../numerics/Fp.sol";
import {Int} from "../numerics/Int.sol";

/// Constants and every numeric instruction: mirrors vm/proof/ops/numeric.ts (execNumeric):
/// a binary op reads S[sp-1] (b) then S[sp-2] (a), pops one (before a trap), writes the
/// result to S[sp-1]; a unary op reads and rewrites S[sp-1]; reinterpretations change
/// nothing but pc. The numerics libraries compute the results bit-exactly (docs/verifier-numerics.md).
///
/// The slot's high word after an op with a 32-bit result is the interpreter's: the
/// scratch of numeric.ts keeps operand a's high word unless the op writes it (hiOf below).
contract NumericOps is IOpGroup {
    using Access for Machine;

    uint256 internal constant KEEP_HI = 0;
    uint256 internal constant ZERO_HI = 1;
    uint256 internal constant FULL = 2;

    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof)
        external
        pure
        returns (Machine memory)
    {
        uint256 op = row[0];
        if (op == 0x41 || op == 0x43) {
            m.push(proof, uint64(uint32(row[1]))); // i32.const, f32.const
        } else if (op == 0x42 || op == 0x44) {
            m.push(proof, uint64((row[2] << 32) | uint32(row[1]))); // i64.const, f64.const
        } else if (op >= 0xbc && op <= 0xbf) {
            // reinterpretations: slots hold raw bits
        } else if (isBinary(op)) {
            // stack-pointer arithmetic mod 2^256, as numeric.ts's is unbounded (Access takes slot numbers mod 2^32)
            uint64 b;
            uint64 a;
            unchecked {
                b = m.readSlot(proof, m.sp - 1);
                a = m.readSlot(proof, m.sp - 2);
                m.sp--; // popped before a trap, as in the interpreter
            }
            (uint256 r, uint8 trap) = binary(op, a, b);
            if (trap != 0) return m.trap(trap);
            unchecked {
                m.writeSlot(proof, m.sp - 1, withHi(op, a, r));
            }
        } else {
            uint64 a;
            unchecked {
                a = m.readSlot(proof, m.sp - 1);
            }
            (uint256 r, uint8 trap) = unary(op, a);
            if (trap != 0) return m.trap(trap);
            unchecked {
                m.writeSlot(proof, m.sp - 1, withHi(op, a, r));
            }
        }
        m.pc++;
        return m;
    }

    function isBinary(uint256 op) internal pure returns (bool) {
        return (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x66) || (op >= 0x6a && op <= 0x78)
            || (op >= 0x7c && op <= 0x8a) || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6);
    }

    /// What the op leaves in the slot's high word when its result is 32 bits wide.
    function hiOf(uint256 op) internal pure returns (uint256) {
        // i32 ops, f32 comparisons, f32 abs/neg/copysign, i32.trunc(_sat)_f32, f32.convert_i32, ref.is_null
        if (
            (op >= 0x45 && op <= 0x4f) || (op >= 0x67 && op <= 0x78) || op == 0xc0 || op == 0xc1
                || (op >= 0x5b && op <= 0x60) || op == 0x8b || op == 0x8c || op == 0x98 || op == 0xa8
                || op == 0xa9 || op == 0xe0 || op == 0xe1 || op == 0xb2 || op == 0xb3 || op == 0xd1
        ) return KEEP_HI;
        // f32 arithmetic (writeF32), from-64-bit conversions to 32 bits, i64 and f64 comparisons, wrap
        if (
            (op >= 0x8d && op <= 0x97) || op == 0xaa || op == 0xab || op == 0xe2 || op == 0xe3 || op == 0xb4
                || op == 0xb5 || op == 0xb6 || op == 0xa7 || (op >= 0x50 && op <= 0x5a) || (op >= 0x61 && op <= 0x66)
        ) return ZERO_HI;
        return FULL;
    }

    function withHi(uint256 op, uint64 a, uint256 r) internal pure returns (uint64) {
        uint256 kind = hiOf(op);
        if (kind == KEEP_HI) return uint64((uint256(a) & 0xffffffff00000000) | uint32(r));
        if (kind == ZERO_HI) return uint64(uint32(r));
        return uint64(r);
    }

    function binary(uint256 op, uint64 a64, uint64 b64) internal pure returns (uint256, uint8) {
        // f32 (0x5b-0x60 comparisons, 0x92-0x98) and f64 (0x61-0x66, 0xa0-0xa6)
        if ((op >= 0x5b && op <= 0x60) || (op >= 0x92 && op <= 0x98)) return (f32Binary(op, uint32(a64), uint32(b64)), 0);
        if ((op >= 0x61 && op <= 0x66) || (op >= 0xa0 && op <= 0xa6)) return (f64Binary(op, a64, b64), 0);
        uint256 n = 32;
        uint256 a = uint32(a64);
        uint256 b = uint32(b64);
        // i64 opcodes are the i32 ones shifted: comparisons by 11, the rest by 18
        if (op >= 0x50 && op <= 0x5a) (op, n, a, b) = (op - 11, 64, a64, b64);
        else if (op >= 0x79 && op <= 0x8a) (op, n, a, b) = (op - 18, 64, a64, b64);
        return intOp(op, a, b, n);
    }

    function intOp(uint256 op, uint256 a, uint256 b, uint256 n) internal pure returns (uint256, uint8) {
        if (op == 0x45) return (Int.eqz(a), 0);
        if (op == 0x46) return (Int.eq(a, b), 0);
        if (op == 0x47) return (Int.ne(a, b), 0);
        if (op == 0x48) return (Int.ltS(a, b, n), 0);
        if (op == 0x49) return (Int.ltU(a, b), 0);
        if (op == 0x4a) return (Int.gtS(a, b, n), 0);
        if (op == 0x4b) return (Int.gtU(a, b), 0);
        if (op == 0x4c) return (Int.leS(a, b, n), 0);
        if (op == 0x4d) return (Int.leU(a, b), 0);
        if (op == 0x4e) return (Int.geS(a, b, n), 0);
        if (op == 0x4f) return (Int.geU(a, b), 0);
        if (op == 0x67) return (Int.clz(a, n), 0);
        if (op == 0x68) return (Int.ctz(a, n), 0);
        if (op == 0x69) return (Int.popcnt(a), 0);
        if (op == 0x6a) return (Int.add(a, b, n), 0);
        if (op == 0x6b) return (Int.sub(a, b, n), 0);
        if (op == 0x6c) return (Int.mul(a, b, n), 0);
        if (op == 0x6d) return Int.divS(a, b, n);
        if (op == 0x6e) return Int.divU(a, b);
        if (op == 0x6f) return Int.remS(a, b, n);
        if (op == 0x70) return Int.remU(a, b);
        if (op == 0x71) return (a & b, 0);
        if (op == 0x72) return (a | b, 0);
        if (op == 0x73) return (a ^ b, 0);
        if (op == 0x74) return (Int.shl(a, b, n), 0);
        if (op == 0x75) return (Int.shrS(a, b, n), 0);
        if (op == 0x76) return (Int.shrU(a, b, n), 0);
        if (op == 0x77) return (Int.rotl(a, b, n), 0);
        if (op == 0x78) return (Int.rotr(a, b, n), 0);
        revert ProofErrors.InvalidState(uint32(op));
    }

    function unary(uint256 op, uint64 a) internal pure returns (uint256, uint8) {
        if (op == 0x45) return (Int.eqz(uint32(a)), 0);
        if (op == 0x50) return (Int.eqz(a), 0);
        if (op >= 0x67 && op <= 0x69) return intOp(op, uint32(a), 0, 32);
        if (op >= 0x79 && op <= 0x7b) return intOp(op - 18, a, 0, 64);
        if (op == 0xc0) return (Int.extendS(uint32(a), 8, 32), 0);
        if (op == 0xc1) return (Int.extendS(uint32(a), 16, 32), 0);
        if (op == 0xc2) return (Int.extendS(a, 8, 64), 0);
        if (op == 0xc3) return (Int.extendS(a, 16, 64), 0);
        if (op == 0xc4) return (Int.extendS(a, 32, 64), 0);
        if (op >= 0x8b && op <= 0x91) return (f32Unary(op, uint32(a)), 0);
        if (op >= 0x99 && op <= 0x9f) return (f64Unary(op, a), 0);
        if (op == 0xd1) return (uint32(a) == 0 ? 1 : 0, 0); // ref.is_null: 0 is the null reference
        return conversion(op, a);
    }

    /// Conversions (as the numerics ConvertHarness dispatches them; 0xFC sub-ops at 0xE0 + sub).
    function conversion(uint256 op, uint64 a) internal pure returns (uint256, uint8) {
        if (op == 0xa7) return (Convert.wrap(a), 0);
        if (op == 0xac) return (Convert.extendS(uint32(a)), 0);
        if (op == 0xad) return (Convert.extendU(uint32(a)), 0);
        if (op == 0xb6) return (Convert.demote(a), 0);
        if (op == 0xbb) return (Convert.promote(uint32(a)), 0);
        if (op >= 0xa8 && op <= 0xab) return Convert.trunc(operand(a, op - 0xa8), floatOf(op - 0xa8), 32, signedOf(op - 0xa8));
        if (op >= 0xae && op <= 0xb1) return Convert.trunc(operand(a, op - 0xae), floatOf(op - 0xae), 64, signedOf(op - 0xae));
        if (op >= 0xe0 && op <= 0xe7) {
            uint256 k = op - 0xe0; // i32 from f32 s, u, f64 s, u; then the same for i64
            return (Convert.truncSat(operand(a, k & 3), floatOf(k & 3), k < 4 ? 32 : 64, signedOf(k & 3)), 0);
        }
        if (op >= 0xb2 && op <= 0xb5) {
            uint256 x = op < 0xb4 ? uint32(a) : a;
            return (Convert.fromInt(x, op < 0xb4 ? 32 : 64, signedOf(op - 0xb2), Fp.F32), 0);
        }
        if (op >= 0xb7 && op <= 0xba) {
            uint256 x = op < 0xb9 ? uint32(a) : a;
            return (Convert.fromInt(x, op < 0xb9 ? 32 : 64, signedOf(op - 0xb7), Fp.F64), 0);
        }
        revert ProofErrors.InvalidState(uint32(op));
    }

    /// The float operand of a truncation: the low word for f32 (k < 2), the slot for f64.
    function operand(uint64 a, uint256 k) private pure returns (uint256) {
        return k < 2 ? uint32(a) : a;
    }

    function floatOf(uint256 k) private pure returns (uint256) {
        return k < 2 ? Fp.F32 : Fp.F64;
    }

    function signedOf(uint256 k) private pure returns (bool) {
        return k & 1 == 0;
    }

    function f32Binary(uint256 op, uint32 a, uint32 b) internal pure returns (uint256) {
        if (op == 0x5b) return Int.b2u(F32.eq(a, b));
        if (op == 0x5c) return Int.b2u(F32.ne(a, b));
        if (op == 0x5d) return Int.b2u(F32.lt(a, b));
        if (op == 0x5e) return Int.b2u(F32.gt(a, b));
        if (op == 0x5f) return Int.b2u(F32.le(a, b));
        if (op == 0x60) return Int.b2u(F32.ge(a, b));
        if (op == 0x92) return F32.add(a, b);
        if (op == 0x93) return F32.sub(a, b);
        if (op == 0x94) return F32.mul(a, b);
        if (op == 0x95) return F32.div(a, b);
        if (op == 0x96) return F32.min(a, b);
        if (op == 0x97) return F32.max(a, b);
        return F32.copysign(a, b);
    }

    function f32Unary(uint256 op, uint32 a) internal pure returns (uint256) {
        if (op == 0x8b) return F32.abs(a);
        if (op == 0x8c) return F32.neg(a);
        if (op == 0x8d) return F32.ceil(a);
        if (op == 0x8e) return F32.floor(a);
        if (op == 0x8f) return F32.trunc(a);
        if (op == 0x90) return F32.nearest(a);
        return F32.sqrt(a);
    }

    function f64Binary(uint256 op, uint64 a, uint64 b) internal pure returns (uint256) {
        if (op == 0x61) return Int.b2u(F64.eq(a, b));
        if (op == 0x62) return Int.b2u(F64.ne(a, b));
        if (op == 0x63) return Int.b2u(F64.lt(a, b));
        if (op == 0x64) return Int.b2u(F64.gt(a, b));
        if (op == 0x65) return Int.b2u(F64.le(a, b));
        if (op == 0x66) return Int.b2u(F64.ge(a, b));
        if (op == 0xa0) return F64.add(a, b);
        if (op == 0xa1) return F64.sub(a, b);
        if (op == 0xa2) return F64.mul(a, b);
        if (op == 0xa3) return F64.div(a, b);
        if (op == 0xa4) return F64.min(a, b);
        if (op == 0xa5) return F64.max(a, b);
        return F64.copysign(a, b);
    }

    function f64Unary(uint256 op, uint64 a) internal pure returns (uint256) {
        if (op == 0x99) return F64.abs(a);
        if (op == 0x9a) return F64.neg(a);
        if (op == 0x9b) return F64.ceil(a);
        if (op == 0x9c) return F64.floor(a);
        if (op == 0x9d) return F64.trunc(a);
        if (op == 0x9e) return F64.nearest(a);
        return F64.sqrt(a);
    }
}
