// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {IOpGroup, Machine, ProofErrors, Region, TrapCode} from "../Machine.sol";

/// Loads and stores, memory.size / memory.grow, the micro-stepped bulk operations
/// (memory.fill / copy / init: one destination leaf per micro-step, operands rewritten in
/// place while pc stays) and data.drop: mirrors vm/proof/ops/memory.ts function by
/// function (execMemory, effectiveAddress, load, store, grow, operands, resume, fill,
/// copy, init, done). A "trap" returns the machine trapped, as a thrown Trap does there.
/// Stack-pointer arithmetic is unchecked (mod 2^256; Access takes slot numbers mod
/// 2^32), as memory.ts's is unbounded: popping an empty stack reads slot 2^32 - 1, an
/// index out of range, on both sides.
contract MemoryOps is IOpGroup {
    using Access for Machine;

    uint256 internal constant PAGE = 65536;
    uint256 internal constant LEAF = 32;
    uint256 internal constant MEMORY_INIT = 0xe8;
    uint256 internal constant DATA_DROP = 0xe9;
    uint256 internal constant MEMORY_COPY = 0xea;
    uint256 internal constant MEMORY_FILL = 0xeb;
    uint256 internal constant OUT_OF_BOUNDS = type(uint256).max;

    /// The three operands of a bulk instruction (slots sp-3, sp-2, sp-1) with their high words.
    struct Operands {
        uint256 d;
        uint256 s;
        uint256 n;
        uint256 dHi;
        uint256 sHi;
        uint256 nHi;
    }

    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof)
        external
        pure
        returns (Machine memory)
    {
        uint256 op = row[0];
        bool completes = true;
        bool trapped;
        if (op >= 0x28 && op <= 0x35) trapped = load(m, proof, op, row[1]);
        else if (op >= 0x36 && op <= 0x3e) trapped = store(m, proof, op, row[1]);
        else if (op == 0x3f) m.push(proof, uint64(uint32(m.memPages)));
        else if (op == 0x40) grow(m, proof);
        else if (op == MEMORY_FILL) (trapped, completes) = fill(m, proof);
        else if (op == MEMORY_COPY) (trapped, completes) = copy(m, proof);
        else if (op == MEMORY_INIT) (trapped, completes) = init(m, proof, Access.int32Word(row[1]));
        else if (op == DATA_DROP) dataDrop(m, proof, Access.int32Word(row[1]));
        else revert ProofErrors.InvalidState(uint32(op));
        if (trapped) return m.trap(TrapCode.OUT_OF_BOUNDS_MEMORY);
        if (completes) m.pc++;
        return m;
    }

    function accessWidth(uint256 op) internal pure returns (uint256) {
        if (op == 0x29 || op == 0x2b || op == 0x37 || op == 0x39) return 8;
        if ((op >= 0x2c && op <= 0x2d) || (op >= 0x30 && op <= 0x31) || op == 0x3a || op == 0x3c) return 1;
        if ((op >= 0x2e && op <= 0x2f) || (op >= 0x32 && op <= 0x33) || op == 0x3b || op == 0x3d) return 2;
        return 4;
    }

    function memorySize(Machine memory m) internal pure returns (uint256) {
        return m.memPages * PAGE;
    }

    /// The effective address, or OUT_OF_BOUNDS when [a, a + width) is past the memory.
    function effectiveAddress(Machine memory m, uint256 operand, uint256 offset, uint256 width)
        internal
        pure
        returns (uint256 a)
    {
        a = uint256(uint32(operand)) + uint32(offset); // 33 bits: a uint32 sum would overflow (panic)
        if (a + width > memorySize(m)) a = OUT_OF_BOUNDS;
    }

    /// Little-endian unsigned value of the first `width` bytes of `b`.
    function le(bytes32 b, uint256 width) internal pure returns (uint256 v) {
        for (uint256 k = 0; k < width; k++) v |= uint256(uint8(b[k])) << (8 * k);
    }

    function load(Machine memory m, bytes calldata proof, uint256 op, uint256 offset) internal pure returns (bool) {
        uint64 slot;
        unchecked {
            slot = m.readSlot(proof, m.sp - 1);
        }
        uint256 a = effectiveAddress(m, uint32(slot), offset, accessWidth(op));
        if (a == OUT_OF_BOUNDS) return true;
        bytes32 b = m.readBytes(proof, Region.MEMORY, a, accessWidth(op));
        unchecked {
            m.writeSlot(proof, m.sp - 1, loaded(op, slot, le(b, accessWidth(op)), accessWidth(op)));
        }
        return false;
    }

    /// The slot a load of `v` (`width` bytes) leaves, from the address slot `slot`.
    function loaded(uint256 op, uint64 slot, uint256 v, uint256 width) internal pure returns (uint64) {
        if (op == 0x28 || op == 0x2a) return uint64((uint256(slot) & 0xffffffff00000000) | v); // keep the high word
        // 64-bit loads, unsigned narrow loads (high word 0)
        if (op == 0x29 || op == 0x2b || op == 0x2d || op == 0x31 || op == 0x2f || op == 0x33 || op == 0x35) {
            return uint64(v);
        }
        // signed narrow loads: i32 ones sign-extend to 32 bits (high word 0), i64 ones to 64
        uint256 bits = 8 * width;
        uint256 n = (op == 0x2c || op == 0x2e) ? 32 : 64;
        return uint64(v >> (bits - 1) == 0 ? v : (v | (~uint256(0) << bits)) & ((uint256(1) << n) - 1));
    }

    function store(Machine memory m, bytes calldata proof, uint256 op, uint256 offset) internal pure returns (bool) {
        unchecked {
            m.sp -= 2; // popped before a trap, as in the interpreter
        }
        uint256 width = accessWidth(op);
        uint256 a = effectiveAddress(m, uint32(m.readSlot(proof, m.sp)), offset, width);
        if (a == OUT_OF_BOUNDS) return true;
        uint256 value;
        unchecked {
            value = m.readSlot(proof, m.sp + 1);
        }
        uint256 bytes_;
        for (uint256 k = 0; k < width; k++) bytes_ |= ((value >> (8 * k)) & 0xff) << (248 - 8 * k);
        m.writeMemory(proof, a, bytes32(bytes_), width);
        return false;
    }

    function grow(Machine memory m, bytes calldata proof) internal pure {
        uint256 top;
        unchecked {
            top = m.sp - 1;
        }
        uint64 slot = m.readSlot(proof, top);
        uint256 delta = uint32(slot);
        uint256 old = m.memPages;
        uint256 result = 0xffffffff; // -1
        if (old <= m.memoryMaxPages && delta <= m.memoryMaxPages - old) {
            m.memPages = old + delta;
            result = old;
        }
        m.writeSlot(proof, top, uint64((uint256(slot) & 0xffffffff00000000) | result));
    }

    function operands(Machine memory m, bytes calldata proof) internal pure returns (Operands memory o) {
        uint64 d;
        uint64 s;
        uint64 n;
        unchecked {
            uint256 sp = m.sp;
            d = m.readSlot(proof, sp - 3);
            s = m.readSlot(proof, sp - 2);
            n = m.readSlot(proof, sp - 1);
        }
        o.d = uint32(d);
        o.s = uint32(s);
        o.n = uint32(n);
        o.dHi = d >> 32;
        o.sHi = s >> 32;
        o.nHi = n >> 32;
    }

    /// Rewrites the operands for the next micro-step from `o` (d, then s, only when `which`
    /// says they changed: bit 0 d, bit 1 s; then n). The instruction stays at its pc.
    function resume(Machine memory m, bytes calldata proof, Operands memory o, uint256 which)
        internal
        pure
        returns (bool, bool)
    {
        unchecked {
            uint256 sp = m.sp;
            if (which & 1 != 0) m.writeSlot(proof, sp - 3, uint64((o.dHi << 32) | uint32(o.d)));
            if (which & 2 != 0) m.writeSlot(proof, sp - 2, uint64((o.sHi << 32) | uint32(o.s)));
            m.writeSlot(proof, sp - 1, uint64((o.nHi << 32) | uint32(o.n)));
        }
        return (false, false);
    }

    /// MEMORY[dst .. dst + len) = region[src .. src + len) (len <= 32), the source read first.
    function moveBytes(Machine memory m, bytes calldata proof, uint256 region, uint256 dst, uint256 src, uint256 len)
        internal
        pure
    {
        bytes32 data = m.readBytes(proof, region, src, len);
        m.writeMemory(proof, dst, data, len);
    }

    /// Aligned 32-byte leaves that bytes [d, d + n) touch (n > 0).
    function leavesTouched(uint256 d, uint256 n) internal pure returns (uint256) {
        return (d + n - 1) / LEAF - d / LEAF + 1;
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    /// memory.fill d v n. Returns (trapped, completes).
    function fill(Machine memory m, bytes calldata proof) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        if (o.d + o.n > memorySize(m)) return (true, false);
        if (o.n == 0) return done(m);
        uint256 len = leavesTouched(o.d, o.n) == 1 ? o.n : min(o.n, LEAF - (o.d % LEAF));
        uint256 v = o.s & 0xff;
        m.writeMemory(proof, o.d, bytes32((type(uint256).max / 0xff) * v), len);
        if (len == o.n) return done(m);
        (o.d, o.n) = (o.d + len, o.n - len);
        return resume(m, proof, o, 1);
    }

    /// memory.copy d s n: forward from the low end when d <= s, else backward from the high end.
    function copy(Machine memory m, bytes calldata proof) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        uint256 size = memorySize(m);
        if (o.s + o.n > size || o.d + o.n > size) return (true, false);
        if (o.n == 0) return done(m);
        if (leavesTouched(o.d, o.n) == 1) {
            moveBytes(m, proof, Region.MEMORY, o.d, o.s, o.n);
            return done(m);
        }
        if (o.d <= o.s) {
            uint256 len = min(o.n, LEAF - (o.d % LEAF));
            moveBytes(m, proof, Region.MEMORY, o.d, o.s, len);
            (o.d, o.s, o.n) = (o.d + len, o.s + len, o.n - len);
            return resume(m, proof, o, 3);
        }
        uint256 back = min(o.n, ((o.d + o.n - 1) % LEAF) + 1);
        moveBytes(m, proof, Region.MEMORY, o.d + o.n - back, o.s + o.n - back, back);
        o.n -= back;
        return resume(m, proof, o, 0);
    }

    /// data.drop seg (`seg` sign-extended, see Access.int32Word).
    function dataDrop(Machine memory m, bytes calldata proof, uint256 seg) internal pure {
        unchecked {
            m.writeWord(proof, Region.SIZES, m.ntables + seg, 0);
        }
    }

    /// memory.init seg d s n: the segment's bytes come from the program image (`seg` sign-extended).
    function init(Machine memory m, bytes calldata proof, uint256 seg) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        uint256 length;
        unchecked {
            length = m.readWord(proof, Region.SIZES, m.ntables + seg);
        }
        if (o.s + o.n > length || o.d + o.n > memorySize(m)) return (true, false);
        if (o.n == 0) return done(m);
        (uint256 offset,) = m.readSeg(proof, seg);
        uint256 len = leavesTouched(o.d, o.n) == 1 ? o.n : min(o.n, LEAF - (o.d % LEAF));
        moveBytes(m, proof, Region.PROGRAM, o.d, offset + o.s, len);
        if (len == o.n) return done(m);
        (o.d, o.s, o.n) = (o.d + len, o.s + len, o.n - len);
        return resume(m, proof, o, 3);
    }

    /// The last micro-step: pops the three operands.
    function done(Machine memory m) internal pure returns (bool, bool) {
        unchecked {
            m.sp -= 3;
        }
        return (false, true);
    }
}
