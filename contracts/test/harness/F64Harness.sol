// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {F64} from "../../src/verifier/numerics/F64.sol";

/// Every f64 op of F64 behind one entry point keyed by wasm opcode: what the vector tests
/// call, and what `forge build --sizes` measures (the library's embedded size).
contract F64Harness {
    error UnknownOp(uint16 op);

    function run(uint16 op, uint64 a64, uint64 b64) external pure returns (uint64, uint8) {
        return (uint64(dispatch(op, uint64(a64), uint64(b64))), 0);
    }

    function dispatch(uint16 op, uint64 a, uint64 b) private pure returns (uint256) {
        if (op == 0x61) return b2u(F64.eq(a, b));
        if (op == 0x62) return b2u(F64.ne(a, b));
        if (op == 0x63) return b2u(F64.lt(a, b));
        if (op == 0x64) return b2u(F64.gt(a, b));
        if (op == 0x65) return b2u(F64.le(a, b));
        if (op == 0x66) return b2u(F64.ge(a, b));
        if (op == 0x99) return F64.abs(a);
        if (op == 0x9a) return F64.neg(a);
        if (op == 0x9b) return F64.ceil(a);
        if (op == 0x9c) return F64.floor(a);
        if (op == 0x9d) return F64.trunc(a);
        if (op == 0x9e) return F64.nearest(a);
        if (op == 0x9f) return F64.sqrt(a);
        if (op == 0xa0) return F64.add(a, b);
        if (op == 0xa1) return F64.sub(a, b);
        if (op == 0xa2) return F64.mul(a, b);
        if (op == 0xa3) return F64.div(a, b);
        if (op == 0xa4) return F64.min(a, b);
        if (op == 0xa5) return F64.max(a, b);
        if (op == 0xa6) return F64.copysign(a, b);
        revert UnknownOp(op);
    }

    function b2u(bool x) private pure returns (uint256) {
        return x ? 1 : 0;
    }
}
