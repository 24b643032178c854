// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// The arithmetic of k-way dissection. A range is `length` transitions starting at trace
/// index `start`; it splits into `n = min(k, length)` segments whose boundaries are
/// `start + floor(j * length / n)`, j = 0..n, so every segment has at least one transition
/// and at most ceil(length / n). A game stores only a hash of the range or of the segment
/// list (the list itself travels in calldata and events), like Arbitrum's classic
/// challenge: keccak(start, length, hashes).
library Dissection {
    function segmentCount(uint64 length, uint256 degree) internal pure returns (uint256) {
        return length < degree ? length : degree;
    }

    function boundary(uint64 start, uint64 length, uint256 segments, uint256 j) internal pure returns (uint64) {
        // j <= segments, so the quotient is at most `length`, a uint64.
        // forge-lint: disable-next-line(unsafe-typecast)
        return start + uint64((uint256(length) * j) / segments);
    }

    /// A disputed range: the two parties agree on `startHash` and disagree on `endHash`.
    function rangeRoot(uint64 start, uint64 length, bytes32 startHash, bytes32 endHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(start, length, startHash, endHash));
    }

    /// A dissected range: `startHash`, the defender's `middle` hashes, `endHash`. Equal to
    /// `listRoot(start, length, hashes)` over the whole list.
    function listRoot(uint64 start, uint64 length, bytes32 startHash, bytes32[] calldata middle, bytes32 endHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(start, length, startHash, middle, endHash));
    }

    function listRoot(uint64 start, uint64 length, bytes32[] calldata hashes) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(start, length, hashes));
    }
}
