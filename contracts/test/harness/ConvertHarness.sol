// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Convert} from "../../src/verifier/numerics/Convert.sol";
import {Fp} from "../../src/verifier/numerics/Fp.sol";

/// Every conversion of Convert behind one entry point keyed by wasm opcode (0xFC-prefixed
/// ops as 0xFC00 | sub): what the vector tests call, and what `forge build --sizes`
/// measures (the library's embedded size).
contract ConvertHarness {
    error UnknownOp(uint16 op);

    function run(uint16 op, uint64 a, uint64) external pure returns (uint64, uint8) {
        (uint256 r, uint8 trap) = dispatch(op, a);
        return (uint64(r), trap);
    }

    function dispatch(uint16 op, uint64 a) private pure returns (uint256, uint8) {
        if (op == 0xa7) return (Convert.wrap(a), 0);
        if (op == 0xac) return (Convert.extendS(uint32(a)), 0);
        if (op == 0xad) return (Convert.extendU(uint32(a)), 0);
        if (op == 0xb6) return (Convert.demote(a), 0);
        if (op == 0xbb) return (Convert.promote(uint32(a)), 0);
        if (op >= 0xbc && op <= 0xbf) return (a, 0); // reinterpretations keep the bits
        if (op >= 0xa8 && op <= 0xab) return Convert.trunc(a, floatOf(op - 0xa8), 32, signedOf(op - 0xa8));
        if (op >= 0xae && op <= 0xb1) return Convert.trunc(a, floatOf(op - 0xae), 64, signedOf(op - 0xae));
        if (op >= 0xfc00 && op <= 0xfc07) {
            uint256 k = op - 0xfc00; // i32 from f32 s, u, f64 s, u; then the same for i64
            return (Convert.truncSat(a, floatOf(k & 3), k < 4 ? 32 : 64, signedOf(k & 3)), 0);
        }
        // f32.convert_i32_s, _u, i64_s, _u; then f64 (after demote at 0xb6)
        if (op >= 0xb2 && op <= 0xb5) return (Convert.fromInt(a, op < 0xb4 ? 32 : 64, signedOf(op - 0xb2), Fp.F32), 0);
        if (op >= 0xb7 && op <= 0xba) return (Convert.fromInt(a, op < 0xb9 ? 32 : 64, signedOf(op - 0xb7), Fp.F64), 0);
        revert UnknownOp(op);
    }

    /// Within a group of four (f32 s, f32 u, f64 s, f64 u) or (i32 s, i32 u, i64 s, i64 u).
    function floatOf(uint256 k) private pure returns (uint256) {
        return k < 2 ? Fp.F32 : Fp.F64;
    }

    function signedOf(uint256 k) private pure returns (bool) {
        return k & 1 == 0;
    }
}
