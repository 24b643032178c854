// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {F32} from "../../src/verifier/numerics/F32.sol";

/// Every f32 op of F32 behind one entry point keyed by wasm opcode: what the vector tests
/// call, and what `forge build --sizes` measures (the library's embedded size).
contract F32Harness {
    error UnknownOp(uint16 op);

    function run(uint16 op, uint64 a64, uint64 b64) external pure returns (uint64, uint8) {
        return (uint64(dispatch(op, uint32(a64), uint32(b64))), 0);
    }

    function dispatch(uint16 op, uint32 a, uint32 b) private pure returns (uint256) {
        if (op == 0x5b) return b2u(F32.eq(a, b));
        if (op == 0x5c) return b2u(F32.ne(a, b));
        if (op == 0x5d) return b2u(F32.lt(a, b));
        if (op == 0x5e) return b2u(F32.gt(a, b));
        if (op == 0x5f) return b2u(F32.le(a, b));
        if (op == 0x60) return b2u(F32.ge(a, b));
        if (op == 0x8b) return F32.abs(a);
        if (op == 0x8c) return F32.neg(a);
        if (op == 0x8d) return F32.ceil(a);
        if (op == 0x8e) return F32.floor(a);
        if (op == 0x8f) return F32.trunc(a);
        if (op == 0x90) return F32.nearest(a);
        if (op == 0x91) return F32.sqrt(a);
        if (op == 0x92) return F32.add(a, b);
        if (op == 0x93) return F32.sub(a, b);
        if (op == 0x94) return F32.mul(a, b);
        if (op == 0x95) return F32.div(a, b);
        if (op == 0x96) return F32.min(a, b);
        if (op == 0x97) return F32.max(a, b);
        if (op == 0x98) return F32.copysign(a, b);
        revert UnknownOp(op);
    }

    function b2u(bool x) private pure returns (uint256) {
        return x ? 1 : 0;
    }
}
