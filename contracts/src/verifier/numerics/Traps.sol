// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// Trap codes of the numeric ops (docs/machine-state.md, "Trap codes"). The numeric
/// libraries never revert: an op that traps returns one of these codes beside a zero
/// result, and the verifier turns it into a trapped state. 0 means "no trap".
library Traps {
    uint8 internal constant NONE = 0;
    uint8 internal constant DIVIDE_BY_ZERO = 2;
    uint8 internal constant INTEGER_OVERFLOW = 3;
    uint8 internal constant INVALID_CONVERSION = 4;
}
