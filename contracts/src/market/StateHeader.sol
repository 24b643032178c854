// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// Reads the final-state claim: the 422-byte state header of docs/machine-state.md
/// ("The state hash"), whose keccak-256 is the state hash. Only this library knows the
/// byte layout; if the layout changes, only this file changes.
library StateHeader {
    uint256 internal constant LENGTH = 422;

    uint8 internal constant RUNNING = 0;
    uint8 internal constant EXITED = 1;
    uint8 internal constant TRAPPED = 2;
    uint8 internal constant OUT_OF_STEPS = 3;

    // Byte offsets of the fields the market reads.
    uint256 private constant PROGRAM_HASH = 0;
    uint256 private constant STATUS = 32;
    uint256 private constant TRAP_CODE = 33;
    uint256 private constant EXIT_CODE = 34;
    uint256 private constant STEPS = 38;
    uint256 private constant OUT_LEN = 94;
    uint256 private constant OUT_ACC = 98;
    uint256 private constant OUT_PENDING = 130;

    /// What a result commits to, read from a header.
    struct Summary {
        bytes32 programHash;
        uint8 status;
        uint8 trapCode;
        int32 exitCode;
        uint64 steps;
        /// H(outAcc ‖ outPending ‖ u32 outLen): compare with `streamDigest(stdout)`.
        bytes32 outputDigest;
    }

    error HeaderLength(uint256 length);

    function decode(bytes calldata header) internal pure returns (Summary memory summary) {
        if (header.length != LENGTH) revert HeaderLength(header.length);
        summary.programHash = bytes32(header[PROGRAM_HASH:PROGRAM_HASH + 32]);
        summary.status = uint8(header[STATUS]);
        summary.trapCode = uint8(header[TRAP_CODE]);
        summary.exitCode = int32(uint32(bytes4(header[EXIT_CODE:EXIT_CODE + 4])));
        summary.steps = uint64(bytes8(header[STEPS:STEPS + 8]));
        summary.outputDigest = keccak256(
            abi.encodePacked(
                header[OUT_ACC:OUT_ACC + 32], header[OUT_PENDING:OUT_PENDING + 32], header[OUT_LEN:OUT_LEN + 4]
            )
        );
    }

    /// The digest of a whole byte stream: a hash chain over its complete 32-byte blocks,
    /// then H(acc ‖ zero-padded last partial block ‖ u32 length).
    function streamDigest(bytes calldata data) internal pure returns (bytes32) {
        bytes32 acc;
        uint256 full = data.length - (data.length % 32);
        for (uint256 at = 0; at < full; at += 32) {
            acc = keccak256(abi.encodePacked(acc, bytes32(data[at:at + 32])));
        }
        bytes32 pending = bytes32(data[full:]); // right-padded with zeros
        return keccak256(abi.encodePacked(acc, pending, uint32(data.length)));
    }
}
