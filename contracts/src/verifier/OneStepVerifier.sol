// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IStepVerifier} from "../market/IStepVerifier.sol";
import {Access} from "./Access.sol";
import {IOpGroup, Machine, ProofErrors, Region, Status} from "./Machine.sol";

/// The one-step verifier: `verifyStep(preStateHash, proof) -> postStateHash` exactly as
/// vm/proof/verify.ts computes it. It parses the state header (422 bytes) and the program
/// header (156 bytes) of docs/machine-state.md, checks their hashes, runs the transition of
/// vm/proof/step.ts (halted: fixed point; steps = maxSteps: out-of-steps; else steps += 1,
/// read ROW(pc), execute it in its opcode group's contract), requires the proof to be
/// consumed exactly, and returns the hash of the header rewritten with the new registers
/// and roots. Each opcode group (vm/proof/ops/*.ts) is a separate contract (24 KB limit),
/// deployed first and passed to the constructor.
contract OneStepVerifier is IStepVerifier {
    using Access for Machine;

    uint256 internal constant HEADER_BYTES = 422;
    uint256 internal constant PROGRAM_HEADER_BYTES = 156;
    uint256 internal constant MAX_SAFE_STEPS = (1 << 53) - 1; // verify.ts: steps beyond 2^53 are malformed

    /// Group of each row opcode, one byte per opcode (vm/proof/step.ts OpGroup: 1 control,
    /// 2 variable, 3 memory, 4 numeric, 5 table, 6 wasi; 0 none), generated from groupOf.
    bytes internal constant GROUP_OF =
        hex"01010101010100000000000101010101010100000000000000000202000000000202020202050500030303030303030303030303030303030303030303030303030404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040000000000000000000000050405000000000000000000000000000404040404040404030303030505050505050000060101000001000000000000";

    IOpGroup public immutable control;
    IOpGroup public immutable variable;
    IOpGroup public immutable memoryOps;
    IOpGroup public immutable numeric;
    IOpGroup public immutable table;
    IOpGroup public immutable wasi;

    constructor(IOpGroup control_, IOpGroup variable_, IOpGroup memory_, IOpGroup numeric_, IOpGroup table_, IOpGroup wasi_) {
        control = control_;
        variable = variable_;
        memoryOps = memory_;
        numeric = numeric_;
        table = table_;
        wasi = wasi_;
    }

    function verifyStep(bytes32 preStateHash, bytes calldata proof) external view returns (bytes32) {
        if (proof.length < HEADER_BYTES + PROGRAM_HEADER_BYTES) revert ProofErrors.Truncated();
        bytes memory header = proof[0:HEADER_BYTES];
        if (keccak256(header) != preStateHash) revert ProofErrors.StateHashMismatch();
        if (keccak256(proof[HEADER_BYTES:HEADER_BYTES + PROGRAM_HEADER_BYTES]) != bytes32(proof[0:32])) {
            revert ProofErrors.ProgramHashMismatch();
        }
        Machine memory m = decode(proof);
        m = step(m, proof);
        if (m.pos != proof.length) revert ProofErrors.TrailingBytes();
        return keccak256(encode(header, m));
    }

    /// THE transition (vm/proof/step.ts step): halted maps to itself, steps = maxSteps
    /// becomes out-of-steps, otherwise one row or micro-step executes.
    function step(Machine memory m, bytes calldata proof) internal view returns (Machine memory) {
        if (m.status != Status.RUNNING) return m;
        if (m.steps >= m.maxSteps) {
            m.status = Status.OUT_OF_STEPS;
            return m;
        }
        m.steps++;
        uint256[4] memory row = m.readRow(proof, m.pc);
        return execRow(m, row, proof);
    }

    function execRow(Machine memory m, uint256[4] memory row, bytes calldata proof)
        internal
        view
        returns (Machine memory)
    {
        uint256 op = row[0];
        uint256 group = op < 256 ? uint8(GROUP_OF[op]) : 0;
        IOpGroup target;
        if (group == 1) target = control;
        else if (group == 2) target = variable;
        else if (group == 3) target = memoryOps;
        else if (group == 4) target = numeric;
        else if (group == 5) target = table;
        else if (group == 6) target = wasi;
        else revert ProofErrors.InvalidState(uint32(op));
        m = target.exec(m, row, proof);
        // call_indirect into a WASI function: the micro-step continues in the WASI group
        if (m.hostCall != 0) m = wasi.exec(m, row, proof);
        return m;
    }

    // ---- headers (docs/machine-state.md "The state hash", "The program header") ----

    function decode(bytes calldata proof) internal pure returns (Machine memory m) {
        m.status = be(proof, 32, 1);
        m.trapCode = be(proof, 33, 1);
        m.exitCode = int32(uint32(be(proof, 34, 4)));
        m.steps = be(proof, 38, 8);
        if (m.steps > MAX_SAFE_STEPS) revert ProofErrors.Malformed();
        m.pc = be(proof, 46, 4);
        m.sp = be(proof, 50, 4);
        m.fp = be(proof, 54, 4);
        m.fsp = be(proof, 58, 4);
        m.fn = be(proof, 62, 4);
        m.units = be(proof, 66, 4);
        m.memPages = be(proof, 70, 4);
        m.inputPos = be(proof, 74, 4);
        for (uint256 r = 0; r < 4; r++) m.regs[r] = be(proof, 78 + 4 * r, 4);
        m.outLen = be(proof, 94, 4);
        m.outAcc = bytes32(proof[98:130]);
        m.outPending = bytes32(proof[130:162]);
        m.logLen = be(proof, 162, 4);
        m.logAcc = bytes32(proof[166:198]);
        m.logPending = bytes32(proof[198:230]);
        for (uint256 r = 0; r < 6; r++) m.roots[r] = bytes32(proof[230 + 32 * r:262 + 32 * r]);

        uint256 p = HEADER_BYTES;
        m.roots[Region.PROGRAM] = bytes32(proof[p:p + 32]);
        m.roots[Region.INPUT] = bytes32(proof[p + 32:p + 64]);
        m.inputLen = be(proof, p + 64, 4);
        // depths in program-header order: program, input, stack, frames, globals, memory, tables, sizes
        m.depths[Region.PROGRAM] = be(proof, p + 68, 1);
        m.depths[Region.INPUT] = be(proof, p + 69, 1);
        m.depths[Region.STACK] = be(proof, p + 70, 1);
        m.depths[Region.FRAMES] = be(proof, p + 71, 1);
        m.depths[Region.GLOBALS] = be(proof, p + 72, 1);
        m.depths[Region.MEMORY] = be(proof, p + 73, 1);
        m.depths[Region.TABLES] = be(proof, p + 74, 1);
        m.depths[Region.SIZES] = be(proof, p + 75, 1);
        for (uint256 r = 0; r < 8; r++) if (m.depths[r] > 32) revert ProofErrors.Malformed();
        m.maxSteps = be(proof, p + 76, 8);
        m.memoryMaxPages = be(proof, p + 84, 4);
        m.maxStackUnits = be(proof, p + 88, 4);
        m.maxOutputBytes = be(proof, p + 92, 4);
        m.maxLogBytes = be(proof, p + 96, 4);
        m.codeBase = be(proof, p + 100, 4);
        m.funcsBase = be(proof, p + 104, 4);
        m.typesBase = be(proof, p + 108, 4);
        // dataBase (112) and elemBase (116) are reached through the segment directory
        m.segsBase = be(proof, p + 120, 4);
        m.tablesBase = be(proof, p + 124, 4);
        m.argsBase = be(proof, p + 128, 4);
        m.ndata = be(proof, p + 136, 4);
        m.ntables = be(proof, p + 144, 4);
        m.argc = be(proof, p + 148, 4);
        m.argsLen = be(proof, p + 152, 4);

        m.pos = HEADER_BYTES + PROGRAM_HEADER_BYTES;
        m.lastRegion = Region.NO_REGION;
    }

    /// The pre-state header with every field a step can change rewritten (u32 registers mod 2^32).
    function encode(bytes memory header, Machine memory m) internal pure returns (bytes memory) {
        put(header, 32, m.status, 1);
        put(header, 33, m.trapCode, 1);
        put(header, 34, uint32(int32(m.exitCode)), 4);
        put(header, 38, m.steps, 8);
        put(header, 46, m.pc, 4);
        put(header, 50, m.sp, 4);
        put(header, 54, m.fp, 4);
        put(header, 58, m.fsp, 4);
        put(header, 62, m.fn, 4);
        put(header, 66, m.units, 4);
        put(header, 70, m.memPages, 4);
        put(header, 74, m.inputPos, 4);
        for (uint256 r = 0; r < 4; r++) put(header, 78 + 4 * r, m.regs[r], 4);
        put(header, 94, m.outLen, 4);
        put(header, 98, uint256(m.outAcc), 32);
        put(header, 130, uint256(m.outPending), 32);
        put(header, 162, m.logLen, 4);
        put(header, 166, uint256(m.logAcc), 32);
        put(header, 198, uint256(m.logPending), 32);
        for (uint256 r = 0; r < 6; r++) put(header, 230 + 32 * r, uint256(m.roots[r]), 32);
        return header;
    }

    /// Big-endian unsigned integer of `len` bytes at `at`.
    function be(bytes calldata b, uint256 at, uint256 len) internal pure returns (uint256 v) {
        assembly {
            v := shr(sub(256, mul(len, 8)), calldataload(add(b.offset, at)))
        }
    }

    /// Writes the low `len` bytes of `v` big-endian at `at` (mod 2^(8 len)).
    function put(bytes memory b, uint256 at, uint256 v, uint256 len) internal pure {
        // one masked word write (the bytes after the field are written back unchanged)
        assembly {
            let p := add(add(b, 0x20), at)
            let shift := sub(256, mul(len, 8))
            let mask := shl(shift, sub(shl(mul(len, 8), 1), 1))
            if eq(len, 32) { mask := not(0) }
            mstore(p, or(and(mload(p), not(mask)), and(shl(shift, v), mask)))
        }
    }
}
