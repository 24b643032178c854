// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IStepVerifier} from "../../src/market/IStepVerifier.sol";

/// TEST DOUBLE -- not the real verifier (Part 3 implements IStepVerifier for the wasm
/// machine; end-to-end tests must switch to it). A synthetic deterministic machine with
/// real 422-byte state headers (docs/machine-state.md layout) whose only moving parts are
/// `status`, `steps`, `exitCode` and stdout: it runs `haltAt` steps and exits with
/// `exitCode` having written "hello", or, if `haltAt > maxSteps`, runs out of steps.
/// The state at trace index i is `stateHash(i)`; a step proof is the pre-state's header.
contract SyntheticMachine is IStepVerifier {
    uint8 internal constant RUNNING = 0;
    uint8 internal constant EXITED = 1;
    uint8 internal constant OUT_OF_STEPS = 3;

    bytes32 public immutable programHash;
    uint64 public immutable maxSteps;
    uint64 public immutable haltAt;
    int32 public immutable exitCode;

    error PreStateMismatch(bytes32 preStateHash, bytes32 proofHash);
    error ForeignProgram(bytes32 programHash);
    error ProofLength(uint256 length);

    constructor(bytes32 programHash_, uint64 maxSteps_, uint64 haltAt_, int32 exitCode_) {
        programHash = programHash_;
        maxSteps = maxSteps_;
        haltAt = haltAt_;
        exitCode = exitCode_;
    }

    /// The trace index of the first halted state.
    function firstHalted() public view returns (uint64) {
        return haltAt <= maxSteps ? haltAt : maxSteps + 1;
    }

    /// The true header at trace index `i` (docs/machine-state.md#transitions).
    function headerAt(uint64 i) public view returns (bytes memory) {
        if (haltAt <= maxSteps) {
            if (i < haltAt) return header(i, RUNNING, 0, "");
            return header(haltAt, EXITED, exitCode, "hello");
        }
        if (i <= maxSteps) return header(i, RUNNING, 0, "");
        return header(maxSteps, OUT_OF_STEPS, 0, "");
    }

    function stateHash(uint64 i) external view returns (bytes32) {
        return keccak256(headerAt(i));
    }

    /// A header with these fields (stdout of at most 32 bytes), everything else fixed.
    function header(uint64 steps, uint8 status, int32 exit, bytes memory stdout) public view returns (bytes memory) {
        require(stdout.length <= 32, "synthetic stdout is one block");
        bytes32 pending = bytes32(stdout);
        return abi.encodePacked(
            abi.encodePacked(programHash, status, uint8(0), exit, steps),
            new bytes(94 - 46), // pc .. r3: zero
            abi.encodePacked(uint32(stdout.length), bytes32(0), pending), // outLen, outAcc, outPending
            new bytes(422 - 162) // log commitment and region roots: zero
        );
    }

    function verifyStep(bytes32 preStateHash, bytes calldata proof) external view returns (bytes32) {
        if (proof.length != 422) revert ProofLength(proof.length);
        bytes32 proofHash = keccak256(proof);
        if (proofHash != preStateHash) revert PreStateMismatch(preStateHash, proofHash);
        if (bytes32(proof[0:32]) != programHash) revert ForeignProgram(bytes32(proof[0:32]));
        uint8 status = uint8(proof[32]);
        if (status != RUNNING) return preStateHash; // halted states are fixed points
        uint64 steps = uint64(bytes8(proof[38:46]));
        if (steps >= maxSteps) return keccak256(header(steps, OUT_OF_STEPS, 0, ""));
        uint64 next = steps + 1;
        if (next >= haltAt) return keccak256(header(next, EXITED, exitCode, "hello"));
        return keccak256(header(next, RUNNING, 0, ""));
    }
}
