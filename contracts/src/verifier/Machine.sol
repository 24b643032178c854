// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// The state as the one-step function sees it (mirrors vm/proof/access.ts): the header's
/// registers, the program header's constants, the current root of every region, and the
/// replay cursor over the proof's accesses (the REPLAYING accessor of vm/proof/verify.ts).
/// Group contracts receive it by value and return it; the proof itself travels as calldata.
struct Machine {
    // ---- StepHeader ----
    uint256 status;
    uint256 trapCode;
    int256 exitCode;
    uint256 steps;
    uint256 pc;
    uint256 sp;
    uint256 fp;
    uint256 fsp;
    uint256 fn;
    uint256 units;
    uint256 memPages;
    uint256 inputPos;
    uint256[4] regs;
    uint256 outLen;
    bytes32 outAcc;
    bytes32 outPending;
    uint256 logLen;
    bytes32 logAcc;
    bytes32 logPending;
    // ---- regions, indexed by Region (STACK .. INPUT) ----
    bytes32[8] roots;
    uint256[8] depths;
    // ---- ProgramInfo ----
    uint256 maxSteps;
    uint256 memoryMaxPages;
    uint256 maxStackUnits;
    uint256 maxOutputBytes;
    uint256 maxLogBytes;
    uint256 codeBase;
    uint256 funcsBase;
    uint256 typesBase;
    uint256 segsBase;
    uint256 tablesBase;
    uint256 argsBase;
    uint256 ndata;
    uint256 ntables;
    uint256 argc;
    uint256 argsLen;
    uint256 inputLen;
    // ---- replay cursor: next proof byte, and the previous access (reused by the next one of the same leaf) ----
    uint256 pos;
    uint256 lastRegion; // NO_REGION before the first access
    uint256 lastIndex;
    bytes32 lastLeaf; // as the previous access left it (read, or written)
    uint256 lastSiblings; // proof offset of its siblings
    // ---- hand-over between group contracts (not state) ----
    /// A call_indirect that reached WASI function `hostCall - 1` continues as a WASI
    /// micro-step (control.ts callIndirect -> wasi.ts hostCall); 0 otherwise.
    uint256 hostCall;
}

/// A function record of the program image (vm/proof/access.ts FuncRecord).
struct FuncRecord {
    uint256 kind;
    uint256 entryPc;
    uint256 params;
    uint256 locals;
    uint256 results;
    uint256 units;
    uint256 typeId;
    uint256 wasiId;
}

/// Reasons of vm/proof/verify.ts ProofError, one named error each.
library ProofErrors {
    error Malformed();
    error StateHashMismatch();
    error ProgramHashMismatch();
    error Truncated();
    error LeafIndexOutOfRange(uint256 region, uint256 index);
    error LeafNotInRegion(uint256 region, uint256 index);
    error WriteToImmutableRegion(uint256 region);
    error TrailingBytes();
    /// 'invalid state': a state no valid run reaches (a pc on a data row, an unknown opcode).
    error InvalidState(uint32 op);
}

library Region {
    uint256 internal constant STACK = 0;
    uint256 internal constant FRAMES = 1;
    uint256 internal constant GLOBALS = 2;
    uint256 internal constant MEMORY = 3;
    uint256 internal constant TABLES = 4;
    uint256 internal constant SIZES = 5;
    uint256 internal constant PROGRAM = 6;
    uint256 internal constant INPUT = 7;
    uint256 internal constant NO_REGION = 255;
}

library Status {
    uint256 internal constant RUNNING = 0;
    uint256 internal constant EXITED = 1;
    uint256 internal constant TRAPPED = 2;
    uint256 internal constant OUT_OF_STEPS = 3;
}

/// Trap codes (docs/machine-state.md "Trap codes").
library TrapCode {
    uint256 internal constant UNREACHABLE = 1;
    uint256 internal constant DIVIDE_BY_ZERO = 2;
    uint256 internal constant INTEGER_OVERFLOW = 3;
    uint256 internal constant INVALID_CONVERSION = 4;
    uint256 internal constant OUT_OF_BOUNDS_MEMORY = 5;
    uint256 internal constant OUT_OF_BOUNDS_TABLE = 6;
    uint256 internal constant UNDEFINED_ELEMENT = 7;
    uint256 internal constant UNINITIALIZED_ELEMENT = 8;
    uint256 internal constant INDIRECT_CALL_TYPE_MISMATCH = 9;
    uint256 internal constant CALL_STACK_EXHAUSTED = 10;
    uint256 internal constant OUTPUT_LIMIT = 11;
    uint256 internal constant LOG_LIMIT = 12;
}

/// One opcode group of the step function (vm/proof/ops/*.ts): executes row `row` on `m`.
interface IOpGroup {
    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof) external pure returns (Machine memory);
}
