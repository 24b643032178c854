// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {IOpGroup, Machine, ProofErrors, Region, TrapCode} from "../Machine.sol";

/// Tables (table.get/set/size, the micro-stepped table.grow/fill/copy/init: one entry per
/// micro-step) and elem.drop; the reference constants ref.null / ref.func: mirrors
/// vm/proof/ops/table.ts function by function (execTable, grow, pushGrowResult, operands,
/// resume, done, fill, copy, init). A table's entries live in TABLES from its base (the
/// program image's tables section); its size and the segments' lengths in SIZES.
/// Stack-pointer and table.grow arithmetic is unchecked (mod 2^256; Access takes slot
/// numbers mod 2^32), as table.ts's is unbounded: a state no valid run reaches (an empty
/// stack popped, a grow micro-step with r0 past the entries added) takes TypeScript's
/// path to its post-state or its named error, never a panic.
contract TableOps is IOpGroup {
    using Access for Machine;

    uint256 internal constant TABLE_INIT = 0xec;
    uint256 internal constant ELEM_DROP = 0xed;
    uint256 internal constant TABLE_COPY = 0xee;
    uint256 internal constant TABLE_GROW = 0xef;
    uint256 internal constant TABLE_SIZE = 0xf0;
    uint256 internal constant TABLE_FILL = 0xf1;

    /// table.grow's operands (n, init), the table's size and its directory entry.
    struct Grow {
        uint256 n;
        uint256 ref;
        uint256 size;
        uint256 first;
        uint256 max;
    }

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
        if (op == 0x25) trapped = tableGet(m, proof, row[1]);
        else if (op == 0x26) trapped = tableSet(m, proof, row[1]);
        else if (op == TABLE_SIZE) m.push(proof, uint64(m.readWord(proof, Region.SIZES, row[1])));
        else if (op == TABLE_GROW) completes = grow(m, proof, row[1]);
        else if (op == TABLE_FILL) (trapped, completes) = fill(m, proof, row[1]);
        else if (op == TABLE_COPY) (trapped, completes) = copy(m, proof, row[1], row[2]);
        else if (op == TABLE_INIT) (trapped, completes) = init(m, proof, Access.int32Word(row[1]), row[2]);
        else if (op == ELEM_DROP) elemDrop(m, proof, Access.int32Word(row[1]));
        else if (op == 0xd0) m.push(proof, 0); // ref.null
        else if (op == 0xd2) m.push(proof, uint64(uint32(row[1]))); // ref.func
        else revert ProofErrors.InvalidState(uint32(op));
        if (trapped) return m.trap(TrapCode.OUT_OF_BOUNDS_TABLE);
        if (completes) m.pc++;
        return m;
    }

    function base(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (uint256 b) {
        (b,) = m.readTableInfo(proof, t);
    }

    function tableGet(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (bool) {
        unchecked {
            uint256 i = uint32(m.readSlot(proof, m.sp - 1));
            if (i >= m.readWord(proof, Region.SIZES, t)) return true;
            m.writeSlot(proof, m.sp - 1, uint64(m.readWord(proof, Region.TABLES, base(m, proof, t) + i)));
            return false;
        }
    }

    function tableSet(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (bool) {
        unchecked {
            m.sp -= 2; // a trap leaves the operands popped
            uint256 i = uint32(m.readSlot(proof, m.sp));
            if (i >= m.readWord(proof, Region.SIZES, t)) return true;
            uint256 ref = uint32(m.readSlot(proof, m.sp + 1));
            m.writeWord(proof, Region.TABLES, base(m, proof, t) + i, ref);
            return false;
        }
    }

    /// table.grow t: init n -> old size or -1, one new entry per micro-step when init is
    /// not null (r0 = entries written after the first). Returns true when done.
    function grow(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (bool) {
        unchecked {
            Grow memory g;
            g.n = uint32(m.readSlot(proof, m.sp - 1));
            g.ref = uint32(m.readSlot(proof, m.sp - 2));
            g.size = m.readWord(proof, Region.SIZES, t);
            (g.first, g.max) = m.readTableInfo(proof, t);
            uint256 done_ = m.regs[0];
            if (done_ == 0) {
                if (g.size > g.max || g.n > g.max - g.size) return pushGrowResult(m, proof, 0xffffffff);
                if (g.ref == 0 || g.n == 0) {
                    m.writeWord(proof, Region.SIZES, t, g.size + g.n);
                    return pushGrowResult(m, proof, g.size);
                }
                m.writeWord(proof, Region.TABLES, g.first + g.size, g.ref);
                g.size += g.n;
                m.writeWord(proof, Region.SIZES, t, g.size);
            } else {
                m.writeWord(proof, Region.TABLES, g.first + g.size - g.n + done_, g.ref);
            }
            if (done_ + 1 < g.n) {
                m.regs[0] = done_ + 1;
                return false;
            }
            m.regs[0] = 0;
            return pushGrowResult(m, proof, g.size - g.n);
        }
    }

    function pushGrowResult(Machine memory m, bytes calldata proof, uint256 result) internal pure returns (bool) {
        unchecked {
            m.sp--;
            m.writeSlot(proof, m.sp - 1, uint64(uint32(result)));
            return true;
        }
    }

    function operands(Machine memory m, bytes calldata proof) internal pure returns (Operands memory o) {
        unchecked {
            uint256 sp = m.sp;
            uint64 d = m.readSlot(proof, sp - 3);
            uint64 s = m.readSlot(proof, sp - 2);
            uint64 n = m.readSlot(proof, sp - 1);
            o.d = uint32(d);
            o.s = uint32(s);
            o.n = uint32(n);
            o.dHi = d >> 32;
            o.sHi = s >> 32;
            o.nHi = n >> 32;
        }
    }

    /// Rewrites the operands for the next micro-step from `o` (bit 0 of `which`: d, bit 1: s; then n); pc stays.
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
            return (false, false);
        }
    }

    function done(Machine memory m) internal pure returns (bool, bool) {
        unchecked {
            m.sp -= 3;
            return (false, true);
        }
    }

    /// table.fill t: i ref n. Returns (trapped, completes).
    function fill(Machine memory m, bytes calldata proof, uint256 t) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        if (o.d + o.n > m.readWord(proof, Region.SIZES, t)) return (true, false);
        if (o.n == 0) return done(m);
        m.writeWord(proof, Region.TABLES, base(m, proof, t) + o.d, o.s);
        if (o.n == 1) return done(m);
        (o.d, o.n) = (o.d + 1, o.n - 1);
        return resume(m, proof, o, 1);
    }

    /// table.copy dst src: d s n, forward when d <= s, else from the high end.
    function copy(Machine memory m, bytes calldata proof, uint256 dst, uint256 src) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        if (o.s + o.n > m.readWord(proof, Region.SIZES, src) || o.d + o.n > m.readWord(proof, Region.SIZES, dst)) {
            return (true, false);
        }
        if (o.n == 0) return done(m);
        bool forward = o.n == 1 || o.d <= o.s;
        moveEntry(m, proof, src, forward ? o.s : o.s + o.n - 1, dst, forward ? o.d : o.d + o.n - 1);
        if (o.n == 1) return done(m);
        if (!forward) {
            o.n -= 1;
            return resume(m, proof, o, 0);
        }
        (o.d, o.s, o.n) = (o.d + 1, o.s + 1, o.n - 1);
        return resume(m, proof, o, 3);
    }

    /// Entry `to` of table `dst` = entry `from` of table `src` (TAB(src), T, TAB(dst), RW T).
    function moveEntry(Machine memory m, bytes calldata proof, uint256 src, uint256 from, uint256 dst, uint256 to)
        internal
        pure
    {
        uint256 ref = m.readWord(proof, Region.TABLES, base(m, proof, src) + from);
        m.writeWord(proof, Region.TABLES, base(m, proof, dst) + to, ref);
    }

    /// Entry `d` of table `t` = reference `s` of segment `k` (SEG(k), P[off+4s..+4), TAB(t), RW T).
    function initEntry(Machine memory m, bytes calldata proof, uint256 k, uint256 s, uint256 t, uint256 d)
        internal
        pure
    {
        (uint256 offset,) = m.readSeg(proof, k);
        uint256 ref = m.programU32(proof, offset + 4 * s);
        m.writeWord(proof, Region.TABLES, base(m, proof, t) + d, ref);
    }

    /// elem.drop seg (`seg` sign-extended, see Access.int32Word).
    function elemDrop(Machine memory m, bytes calldata proof, uint256 seg) internal pure {
        unchecked {
            m.writeWord(proof, Region.SIZES, m.ntables + m.ndata + seg, 0);
        }
    }

    /// table.init elem table: d s n; the segment's references come from the program image (`seg` sign-extended).
    function init(Machine memory m, bytes calldata proof, uint256 seg, uint256 t) internal pure returns (bool, bool) {
        Operands memory o = operands(m, proof);
        uint256 k;
        uint256 length;
        unchecked {
            k = m.ndata + seg;
            length = m.readWord(proof, Region.SIZES, m.ntables + k);
        }
        if (o.s + o.n > length || o.d + o.n > m.readWord(proof, Region.SIZES, t)) {
            return (true, false);
        }
        if (o.n == 0) return done(m);
        initEntry(m, proof, k, o.s, t, o.d);
        if (o.n == 1) return done(m);
        (o.d, o.s, o.n) = (o.d + 1, o.s + 1, o.n - 1);
        return resume(m, proof, o, 3);
    }
}
