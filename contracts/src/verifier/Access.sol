// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Machine, FuncRecord, ProofErrors, Region, Status} from "./Machine.sol";

/// Typed access on top of leaves, replaying a proof (vm/proof/access.ts StepState over the
/// ReplayingLeaves of vm/proof/verify.ts). Every access takes, unless it is of the same
/// leaf of the same region as the access just before it, a leaf and its `depth` siblings
/// (bottom-up) from the proof, checks them against the region's current root, and on a
/// write recomputes the root. Leaves are bytes32 (big-endian: byte 0 is the top byte).
library Access {
    // ---- Leaves (ReplayingLeaves) ----

    function readLeaf(Machine memory m, bytes calldata proof, uint256 region, uint256 index)
        internal
        pure
        returns (bytes32 leaf)
    {
        checkIndex(m, region, index);
        if (m.lastRegion == region && m.lastIndex == index) return m.lastLeaf;
        leaf = take32(m, proof);
        uint256 siblings = takeSiblings(m, proof, region);
        if (rootWithLeaf(m.depths[region], index, leaf, proof, siblings) != m.roots[region]) {
            revert ProofErrors.LeafNotInRegion(region, index);
        }
        m.lastRegion = region;
        m.lastIndex = index;
        m.lastLeaf = leaf;
        m.lastSiblings = siblings;
    }

    function writeLeaf(Machine memory m, bytes calldata proof, uint256 region, uint256 index, bytes32 leaf)
        internal
        pure
    {
        if (region == Region.PROGRAM || region == Region.INPUT) revert ProofErrors.WriteToImmutableRegion(region);
        checkIndex(m, region, index);
        uint256 siblings;
        if (m.lastRegion == region && m.lastIndex == index) {
            siblings = m.lastSiblings;
        } else {
            bytes32 old = take32(m, proof);
            siblings = takeSiblings(m, proof, region);
            if (rootWithLeaf(m.depths[region], index, old, proof, siblings) != m.roots[region]) {
                revert ProofErrors.LeafNotInRegion(region, index);
            }
        }
        m.lastRegion = region;
        m.lastIndex = index;
        m.lastLeaf = leaf;
        m.lastSiblings = siblings;
        m.roots[region] = rootWithLeaf(m.depths[region], index, leaf, proof, siblings);
    }

    function checkIndex(Machine memory m, uint256 region, uint256 index) private pure {
        if (index >> m.depths[region] != 0) revert ProofErrors.LeafIndexOutOfRange(region, index);
    }

    function take32(Machine memory m, bytes calldata proof) private pure returns (bytes32 word) {
        uint256 at = m.pos;
        if (at + 32 > proof.length) revert ProofErrors.Truncated();
        assembly {
            word := calldataload(add(proof.offset, at))
        }
        m.pos = at + 32;
    }

    /// Skips the region's siblings; returns their offset in the proof.
    function takeSiblings(Machine memory m, bytes calldata proof, uint256 region) private pure returns (uint256 at) {
        at = m.pos;
        uint256 end = at + 32 * m.depths[region];
        if (end > proof.length) revert ProofErrors.Truncated();
        m.pos = end;
    }

    /// The root of a depth-`depth` tree holding `leaf` at `index`, given the siblings at
    /// proof offset `siblings` (vm/state/merkle.ts rootWithLeaf).
    function rootWithLeaf(uint256 depth, uint256 index, bytes32 leaf, bytes calldata proof, uint256 siblings)
        internal
        pure
        returns (bytes32 node)
    {
        assembly {
            mstore(0x00, leaf)
            node := keccak256(0x00, 0x20)
            let p := add(proof.offset, siblings)
            for { let h := 0 } lt(h, depth) { h := add(h, 1) } {
                let sibling := calldataload(add(p, mul(h, 0x20)))
                switch and(shr(h, index), 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
            }
        }
    }

    // ---- STACK and GLOBALS: u64 slots, 4 per leaf, big-endian hi ‖ lo ----
    //
    // Slot and frame numbers are taken mod 2^32, as access.ts's `i >>> 2` / `k >>> 1` take
    // them: register arithmetic is mod 2^256 (unchecked) in the groups, like TypeScript's
    // unbounded numbers, so a slot below 0 (sp = 0 popped, no valid run has it) is slot
    // 2^32 - 1 on both sides: leaf 2^30 - 1, out of range for any real stack.

    function readSlot(Machine memory m, bytes calldata proof, uint256 i) internal pure returns (uint64) {
        return uint64(uint256(readLeaf(m, proof, Region.STACK, uint32(i) >> 2)) >> (192 - 64 * (i & 3)));
    }

    function writeSlot(Machine memory m, bytes calldata proof, uint256 i, uint64 value) internal pure {
        writeU64(m, proof, Region.STACK, uint32(i), value);
    }

    function readGlobal(Machine memory m, bytes calldata proof, uint256 g) internal pure returns (uint64) {
        return uint64(uint256(readLeaf(m, proof, Region.GLOBALS, g >> 2)) >> (192 - 64 * (g & 3)));
    }

    function writeGlobal(Machine memory m, bytes calldata proof, uint256 g, uint64 value) internal pure {
        writeU64(m, proof, Region.GLOBALS, g, value);
    }

    function writeU64(Machine memory m, bytes calldata proof, uint256 region, uint256 i, uint64 value) private pure {
        uint256 index = i >> 2;
        uint256 shift = 192 - 64 * (i & 3);
        uint256 leaf = uint256(readLeaf(m, proof, region, index));
        leaf = (leaf & ~(uint256(type(uint64).max) << shift)) | (uint256(value) << shift);
        writeLeaf(m, proof, region, index, bytes32(leaf));
    }

    /// Zeroes slots [from, to), one read + write per leaf.
    function zeroSlots(Machine memory m, bytes calldata proof, uint256 from, uint256 to) internal pure {
        uint256 i = from;
        while (i < to) {
            uint256 index = i >> 2;
            uint256 end = to < (index + 1) * 4 ? to : (index + 1) * 4;
            uint256 leaf = uint256(readLeaf(m, proof, Region.STACK, index));
            // bytes [8*(i&3), 8*((end-1)&3)+8) become zero
            uint256 startBit = 64 * (i & 3);
            uint256 endBit = 64 * ((end - 1) & 3) + 64;
            uint256 hole = (type(uint256).max >> startBit) & ~(type(uint256).max >> endBit); // >> 256 is 0
            writeLeaf(m, proof, Region.STACK, index, bytes32(leaf & ~hole));
            i = end;
        }
    }

    // ---- FRAMES: 4 u32 per record, 2 records per leaf ----

    function readFrame(Machine memory m, bytes calldata proof, uint256 k) internal pure returns (uint256[4] memory f) {
        uint256 leaf = uint256(readLeaf(m, proof, Region.FRAMES, uint32(k) >> 1));
        uint256 base = 224 - 128 * (k & 1);
        for (uint256 q = 0; q < 4; q++) f[q] = uint32(leaf >> (base - 32 * q));
    }

    function writeFrame(Machine memory m, bytes calldata proof, uint256 k, uint256[4] memory words) internal pure {
        uint256 index = uint32(k) >> 1;
        uint256 leaf = uint256(readLeaf(m, proof, Region.FRAMES, index));
        uint256 shift = 128 - 128 * (k & 1);
        uint256 record = (uint256(uint32(words[0])) << 96) | (uint256(uint32(words[1])) << 64)
            | (uint256(uint32(words[2])) << 32) | uint256(uint32(words[3]));
        leaf = (leaf & ~(uint256(type(uint128).max) << shift)) | (record << shift);
        writeLeaf(m, proof, Region.FRAMES, index, bytes32(leaf));
    }

    // ---- u32 word regions: TABLES (entries), SIZES ----

    function readWord(Machine memory m, bytes calldata proof, uint256 region, uint256 i) internal pure returns (uint256) {
        return uint32(uint256(readLeaf(m, proof, region, i >> 3)) >> (224 - 32 * (i & 7)));
    }

    function writeWord(Machine memory m, bytes calldata proof, uint256 region, uint256 i, uint256 value) internal pure {
        uint256 index = i >> 3;
        uint256 shift = 224 - 32 * (i & 7);
        uint256 leaf = uint256(readLeaf(m, proof, region, index));
        leaf = (leaf & ~(uint256(type(uint32).max) << shift)) | (uint256(uint32(value)) << shift);
        writeLeaf(m, proof, region, index, bytes32(leaf));
    }

    // ---- byte regions: MEMORY, PROGRAM, INPUT (ranges of at most 32 bytes, left-aligned in a bytes32) ----

    /// The top `w` bytes of a word set (w <= 32).
    function topBytes(uint256 w) internal pure returns (uint256) {
        return ~(type(uint256).max >> (8 * w));
    }

    /// `len` (<= 32) bytes at byte address `addr`, left-aligned; one access per leaf touched.
    function readBytes(Machine memory m, bytes calldata proof, uint256 region, uint256 addr, uint256 len)
        internal
        pure
        returns (bytes32 out)
    {
        uint256 done = 0;
        while (done < len) {
            uint256 off = (addr + done) & 31;
            uint256 w = len - done < 32 - off ? len - done : 32 - off;
            out |= bytes32(
                ((uint256(readLeaf(m, proof, region, (addr + done) >> 5)) << (8 * off)) & topBytes(w)) >> (8 * done)
            );
            done += w;
        }
    }

    /// Writes the first `len` (<= 32) bytes of `data` to MEMORY at `addr`: read then write of
    /// each leaf touched, ascending.
    function writeMemory(Machine memory m, bytes calldata proof, uint256 addr, bytes32 data, uint256 len)
        internal
        pure
    {
        uint256 done = 0;
        while (done < len) {
            uint256 a = addr + done;
            uint256 index = a >> 5;
            uint256 off = a & 31;
            uint256 w = len - done < 32 - off ? len - done : 32 - off;
            uint256 mask = topBytes(w) >> (8 * off);
            uint256 piece = ((uint256(data) << (8 * done)) & topBytes(w)) >> (8 * off);
            uint256 leaf = uint256(readLeaf(m, proof, Region.MEMORY, index));
            writeLeaf(m, proof, Region.MEMORY, index, bytes32((leaf & ~mask) | piece));
            done += w;
        }
    }

    // ---- PROGRAM ----
    //
    // Offsets come from the program header's bases, aligned in every image the machine
    // commits; a header with unaligned ones reads bytes past the leaf as 0, as access.ts's
    // be32 does (hence `leaf << 8 * offset`, never a negative shift).

    /// A big-endian u32 of the program image at byte offset `at` (4-aligned).
    function programU32(Machine memory m, bytes calldata proof, uint256 at) internal pure returns (uint256) {
        return uint32((uint256(readLeaf(m, proof, Region.PROGRAM, at >> 5)) << (8 * (at & 31))) >> 224);
    }

    /// Code row `pc`: [op, a, b, c] as u32 words (2 rows per leaf). `pc` may be "negative"
    /// (mod 2^256: br_table's row of a negative count); a negative offset is an index out
    /// of range, as access.ts's Math.floor(at / 32) < 0 is.
    function readRow(Machine memory m, bytes calldata proof, uint256 pc) internal pure returns (uint256[4] memory row) {
        uint256 at;
        unchecked {
            at = m.codeBase + 16 * pc;
        }
        uint256 leaf = uint256(readLeaf(m, proof, Region.PROGRAM, at >> 5)) << (8 * (at & 31));
        for (uint256 q = 0; q < 4; q++) row[q] = uint32(leaf >> (224 - 32 * q));
    }

    /// Function record `addr` (one leaf; `addr` may be "negative", see int32Word).
    function readFunc(Machine memory m, bytes calldata proof, uint256 addr) internal pure returns (FuncRecord memory f) {
        uint256 at;
        unchecked {
            at = m.funcsBase + 32 * addr;
        }
        uint256 leaf = uint256(readLeaf(m, proof, Region.PROGRAM, at >> 5));
        f.kind = uint32(leaf >> 224);
        f.entryPc = uint32(leaf >> 192);
        f.params = uint32(leaf >> 160);
        f.locals = uint32(leaf >> 128);
        f.results = uint32(leaf >> 96);
        f.units = uint32(leaf >> 64);
        f.typeId = uint32(leaf >> 32);
        f.wasiId = uint32(leaf);
    }

    /// Table directory entry `t`: (first TABLES entry, capacity).
    function readTableInfo(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (uint256, uint256) {
        uint256 at;
        unchecked {
            at = m.tablesBase + 8 * t;
        }
        uint256 leaf = uint256(readLeaf(m, proof, Region.PROGRAM, at >> 5)) << (8 * (at & 31));
        return (uint32(leaf >> 224), uint32(leaf >> 192));
    }

    /// Segment directory entry `k`: (offset, length).
    function readSeg(Machine memory m, bytes calldata proof, uint256 k) internal pure returns (uint256, uint256) {
        uint256 at;
        unchecked {
            at = m.segsBase + 8 * k;
        }
        uint256 leaf = uint256(readLeaf(m, proof, Region.PROGRAM, at >> 5)) << (8 * (at & 31));
        return (uint32(leaf >> 224), uint32(leaf >> 192));
    }

    // ---- helpers shared by the groups (vm/proof/ops/common.ts) ----

    /// A row word as the TypeScript step reads it (int32), sign-extended mod 2^256: where
    /// a row word is a count or an index added to a base (a function address, a segment,
    /// a branch's arity), TypeScript's sum may be negative, an index out of range, or
    /// land back in range; unchecked arithmetic on this value gives the same index.
    function int32Word(uint256 word) internal pure returns (uint256) {
        return uint256(int256(int32(uint32(word))));
    }

    /// Pushes a slot.
    function push(Machine memory m, bytes calldata proof, uint64 value) internal pure {
        writeSlot(m, proof, m.sp, value);
        unchecked {
            m.sp++;
        }
    }

    /// A trap: status trapped with `code` (what step.ts does when a Trap is thrown).
    function trap(Machine memory m, uint256 code) internal pure returns (Machine memory) {
        m.status = Status.TRAPPED;
        m.trapCode = code;
        return m;
    }
}
