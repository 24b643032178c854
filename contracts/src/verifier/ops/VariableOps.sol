// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {IOpGroup, Machine, ProofErrors} from "../Machine.sol";

/// Parametric (drop, select) and variable instructions (locals, globals): mirrors
/// vm/proof/ops/variables.ts (execVariable), case by case. Register arithmetic is
/// unchecked (mod 2^256, written back mod 2^32; slot numbers are taken mod 2^32 by
/// Access), as variables.ts computes with unbounded numbers: a drop from an empty stack
/// gives TypeScript's post-state, a pop reads slot 2^32 - 1 (out of range), no panic.
contract VariableOps is IOpGroup {
    using Access for Machine;

    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof)
        external
        pure
        returns (Machine memory)
    {
        unchecked {
            uint256 op = row[0];
            if (op == 0x1a) {
                // drop
                m.sp--;
            } else if (op == 0x1b) {
                // select
                if (uint32(m.readSlot(proof, m.sp - 1)) == 0) m.writeSlot(proof, m.sp - 3, m.readSlot(proof, m.sp - 2));
                m.sp -= 2;
            } else if (op == 0x20) {
                // local.get
                m.push(proof, m.readSlot(proof, m.fp + row[1]));
            } else if (op == 0x21) {
                // local.set
                m.sp--;
                m.writeSlot(proof, m.fp + row[1], m.readSlot(proof, m.sp));
            } else if (op == 0x22) {
                // local.tee
                m.writeSlot(proof, m.fp + row[1], m.readSlot(proof, m.sp - 1));
            } else if (op == 0x23) {
                // global.get
                m.push(proof, m.readGlobal(proof, row[1]));
            } else if (op == 0x24) {
                // global.set
                m.sp--;
                m.writeGlobal(proof, row[1], m.readSlot(proof, m.sp));
            } else {
                revert ProofErrors.InvalidState(uint32(op));
            }
            m.pc++;
            return m;
        }
    }
}
