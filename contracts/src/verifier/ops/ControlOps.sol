// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {FuncRecord, IOpGroup, Machine, ProofErrors, Region, Status, TrapCode} from "../Machine.sol";

/// Control (spec 4.4.8), calls and returns, the LOCALS prologue and the bootstrap exit:
/// mirrors vm/proof/ops/control.ts function by function (execControl, branch, moveDown,
/// enter, leave, callIndirect). A call_indirect that reaches a WASI function continues as
/// a WASI micro-step in WasiOps (see Machine.hostCall).
///
/// Register arithmetic is unchecked (mod 2^256, written back mod 2^32) like control.ts's
/// unbounded numbers, and the row words that control.ts reads as signed int32 (a
/// branch's arity and height, br_table's count, LOCALS' counts) are sign-extended: a
/// state no valid run reaches (a pop from an empty stack, a return with no frame) then
/// takes the path TypeScript takes, to the same post-state or the same named error,
/// never a Solidity panic.
contract ControlOps is IOpGroup {
    using Access for Machine;

    uint256 internal constant LOCALS_PER_STEP = 4; // vm/exec/limits.ts
    uint256 internal constant RETURN_TARGET = 0xffffffff; // -1 as a u32 row word
    uint256 internal constant FUNC_KIND_WASI = 1;

    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof)
        external
        pure
        returns (Machine memory)
    {
        unchecked {
            uint256 op = row[0];
            if (op == 0x00) return m.trap(TrapCode.UNREACHABLE); // unreachable
            if (op == 0x01 || op == 0x02 || op == 0x03 || op == 0x0b) {
                // nop, block, loop, end
                m.pc++;
            } else if (op == 0x04) {
                // if
                m.sp--;
                uint256 c = uint32(m.readSlot(proof, m.sp));
                m.pc = c != 0 ? m.pc + 1 : row[1];
            } else if (op == 0x05) {
                // else
                m.pc = row[1];
            } else if (op == 0x0d) {
                // br_if
                m.sp--;
                if (uint32(m.readSlot(proof, m.sp)) == 0) m.pc++;
                else branch(m, proof, row[1], row[2], row[3]);
            } else if (op == 0x0c) {
                // br
                branch(m, proof, row[1], row[2], row[3]);
            } else if (op == 0x0e) {
                // br_table
                m.sp--;
                uint256 i = uint32(m.readSlot(proof, m.sp));
                uint256 count = Access.int32Word(row[1]);
                uint256[4] memory target = m.readRow(proof, m.pc + 1 + (int256(i) < int256(count) ? i : count));
                branch(m, proof, target[1], target[2], target[3]);
            } else if (op == 0x0f || op == 0xf5) {
                // return, END_FUNC
                leave(m, proof);
            } else if (op == 0x10) {
                // call
                uint256 addr = Access.int32Word(row[1]);
                return enter(m, proof, addr, m.readFunc(proof, addr), m.pc + 1);
            } else if (op == 0x11) {
                return callIndirect(m, proof, row);
            } else if (op == 0xf6) {
                // BOOT_EXIT
                m.status = Status.EXITED;
                m.exitCode = 0;
            } else if (op == 0xf9) {
                // LOCALS [n, params]: zero LOCALS_PER_STEP slots per micro-step
                uint256 target = m.fp + Access.int32Word(row[2]) + Access.int32Word(row[1]);
                if (int256(target) - int256(m.sp) <= int256(LOCALS_PER_STEP)) {
                    if (int256(target) > int256(m.sp)) m.zeroSlots(proof, m.sp, target);
                    m.sp = target;
                    m.pc++;
                } else {
                    m.zeroSlots(proof, m.sp, m.sp + LOCALS_PER_STEP);
                    m.sp += LOCALS_PER_STEP;
                }
            } else {
                revert ProofErrors.InvalidState(uint32(op));
            }
            return m;
        }
    }

    /// br to `target` keeping `arity` values at fp + height; RETURN_TARGET returns.
    function branch(Machine memory m, bytes calldata proof, uint256 target, uint256 arity, uint256 height)
        private
        pure
    {
        if (target == RETURN_TARGET) {
            leave(m, proof);
            return;
        }
        unchecked {
            uint256 n = Access.int32Word(arity);
            m.sp = moveDown(m, proof, m.sp - n, m.fp + Access.int32Word(height), n);
        }
        m.pc = target;
    }

    /// Moves `n` (signed: none when negative) slots from `from` down to `to` (ascending); returns to + n.
    function moveDown(Machine memory m, bytes calldata proof, uint256 from, uint256 to, uint256 n)
        private
        pure
        returns (uint256)
    {
        unchecked {
            if (from != to) {
                for (uint256 k = 0; int256(k) < int256(n); k++) m.writeSlot(proof, to + k, m.readSlot(proof, from + k));
            }
            return to + n;
        }
    }

    /// Enters wasm function `addr` (record `f`) with its arguments on top of the stack.
    function enter(Machine memory m, bytes calldata proof, uint256 addr, FuncRecord memory f, uint256 returnPc)
        private
        pure
        returns (Machine memory)
    {
        if (m.units + f.units > m.maxStackUnits) return m.trap(TrapCode.CALL_STACK_EXHAUSTED);
        m.writeFrame(proof, m.fsp, [returnPc, m.fp, m.fn, f.units]);
        m.units += f.units;
        unchecked {
            m.fsp++;
            m.fp = m.sp - f.params;
        }
        m.fn = addr;
        m.pc = f.entryPc;
        return m;
    }

    /// Returns from the running function: its results move to its fp, the caller resumes.
    function leave(Machine memory m, bytes calldata proof) private pure {
        unchecked {
            uint256 n = m.readFunc(proof, m.fn).results;
            uint256 sp = moveDown(m, proof, m.sp - n, m.fp, n);
            m.fsp--;
            uint256[4] memory frame = m.readFrame(proof, m.fsp);
            m.pc = frame[0];
            m.sp = sp;
            m.fp = frame[1];
            m.fn = frame[2];
            m.units = uint32(m.units - frame[3]);
        }
    }

    /// call_indirect: pops the index, checks the entry and its type, calls it.
    function callIndirect(Machine memory m, bytes calldata proof, uint256[4] memory row)
        private
        pure
        returns (Machine memory)
    {
        unchecked {
            m.sp--;
        }
        uint256 i = uint32(m.readSlot(proof, m.sp));
        uint256 t = row[1];
        if (i >= m.readWord(proof, Region.SIZES, t)) return m.trap(TrapCode.UNDEFINED_ELEMENT);
        uint256 ref = entry(m, proof, t, i);
        if (ref == 0) return m.trap(TrapCode.UNINITIALIZED_ELEMENT);
        uint256 addr = ref - 1;
        FuncRecord memory f = m.readFunc(proof, addr);
        if (f.typeId != row[2]) return m.trap(TrapCode.INDIRECT_CALL_TYPE_MISMATCH);
        if (f.kind == FUNC_KIND_WASI) {
            m.hostCall = addr + 1; // OneStepVerifier continues in WasiOps (hostCall(st, f, true))
            return m;
        }
        return enter(m, proof, addr, f, m.pc + 1);
    }

    /// Entry `i` of table `t`: TAB(t), then T[base + i].
    function entry(Machine memory m, bytes calldata proof, uint256 t, uint256 i) private pure returns (uint256) {
        (uint256 base,) = m.readTableInfo(proof, t);
        return m.readWord(proof, Region.TABLES, base + i);
    }
}
