// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// The one-step verifier (Part 3): executes one transition of the machine of
/// docs/machine-state.md against a proof and returns the hash of the state it leads to.
/// It must be a function of `preStateHash` alone: every proof it accepts for one pre-state
/// yields the same post-state (a halted state maps to itself, a running state at
/// `steps = maxSteps` becomes out-of-steps). It reverts on any proof it cannot check.
interface IStepVerifier {
    function verifyStep(bytes32 preStateHash, bytes calldata proof) external view returns (bytes32 postStateHash);
}
