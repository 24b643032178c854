// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Int} from "../../src/verifier/numerics/Int.sol";

/// Every i32/i64 op of Int behind one entry point keyed by wasm opcode: what the vector
/// tests call, and what `forge build --sizes` measures (the library's embedded size).
contract IntHarness {
    error UnknownOp(uint16 op);

    function run(uint16 op, uint64 a, uint64 b) external pure returns (uint64, uint8) {
        (uint256 r, uint8 trap) = dispatch(op, a, b);
        return (uint64(r), trap);
    }

    function dispatch(uint256 op, uint256 a, uint256 b) private pure returns (uint256, uint8) {
        if (op == 0xc0) return (Int.extendS(a, 8, 32), 0);
        if (op == 0xc1) return (Int.extendS(a, 16, 32), 0);
        if (op == 0xc2) return (Int.extendS(a, 8, 64), 0);
        if (op == 0xc3) return (Int.extendS(a, 16, 64), 0);
        if (op == 0xc4) return (Int.extendS(a, 32, 64), 0);
        // i64 opcodes are the i32 ones shifted: comparisons by 11, the rest by 18
        uint256 n = 32;
        if (op >= 0x50 && op <= 0x5a) (op, n) = (op - 11, 64);
        else if (op >= 0x79 && op <= 0x8a) (op, n) = (op - 18, 64);
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
        revert UnknownOp(uint16(op));
    }
}
