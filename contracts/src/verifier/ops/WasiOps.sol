// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Access} from "../Access.sol";
import {FuncRecord, IOpGroup, Machine, ProofErrors, Region, Status, TrapCode} from "../Machine.sol";

/// WASI calls, one micro-step per step: mirrors vm/proof/ops/wasi.ts (execWasi, hostCall
/// and the methods of WasiCall, same names, same order) and vm/proof/stream.ts
/// (appendToStream). Arguments stay on the stack until the last micro-step, progress
/// lives in the host registers r0..r3, stdout / stderr bytes go into their hash chains.
///
/// Besides HOST_CALL rows it continues a call_indirect that reached a WASI function:
/// ControlOps leaves the function's address + 1 in `m.hostCall` and OneStepVerifier calls
/// this contract with that row; re-reading FUNC(addr) is then an access of the leaf just
/// read, so it takes nothing from the proof (the TypeScript step passes the record along).
contract WasiOps is IOpGroup {
    using Access for Machine;

    uint256 internal constant HOST_CALL = 0xf4;
    uint256 internal constant CALL_INDIRECT = 0x11;
    uint256 internal constant LEAF = 32;
    uint256 internal constant PAGE = 65536;

    // Errno
    uint256 internal constant SUCCESS = 0;
    uint256 internal constant BADF = 8;
    uint256 internal constant FAULT = 21;
    uint256 internal constant SPIPE = 70;

    // How a micro-step ends (Outcome), plus TRAP (a thrown Trap; `result` holds the code).
    uint256 internal constant CONTINUE = 0;
    uint256 internal constant RETURN = 1;
    uint256 internal constant EXIT = 2;
    uint256 internal constant TRAP = 3;

    // Register roles of the iovec walk (fd_read, fd_write).
    uint256 internal constant NEXT_IOVEC = 0;
    uint256 internal constant CURSOR = 1;
    uint256 internal constant TOTAL = 2;
    uint256 internal constant REMAINING = 3;

    function exec(Machine memory m, uint256[4] memory row, bytes calldata proof)
        external
        pure
        returns (Machine memory)
    {
        if (row[0] == HOST_CALL) return hostCall(m, proof, m.readFunc(proof, Access.int32Word(row[1])), false);
        if (row[0] == CALL_INDIRECT && m.hostCall != 0) {
            uint256 addr = m.hostCall - 1;
            m.hostCall = 0;
            return hostCall(m, proof, m.readFunc(proof, addr), true);
        }
        revert ProofErrors.InvalidState(uint32(row[0]));
    }

    /// One micro-step of WASI function `f` (`indirect`: called by call_indirect, whose table
    /// index is already popped and goes back on the stack while the call continues).
    function hostCall(Machine memory m, bytes calldata proof, FuncRecord memory f, bool indirect)
        internal
        pure
        returns (Machine memory)
    {
        // Stack-pointer arithmetic mod 2^256 (Access takes slot numbers mod 2^32), as
        // wasi.ts's is unbounded: arguments below slot 0 (no valid run has them) are
        // slots 2^32 - k there and here, out of range.
        unchecked {
            uint256 argBase = m.sp - f.params;
            (uint256 outcome, uint256 result) = run(m, proof, argBase, f.wasiId);
            if (outcome == TRAP) {
                zeroRegs(m);
                return m.trap(result);
            }
            if (outcome == CONTINUE) {
                if (indirect) m.sp++;
                return m;
            }
            zeroRegs(m);
            if (outcome == EXIT) {
                m.status = Status.EXITED;
                m.exitCode = int32(uint32(result));
                return m;
            }
            m.sp = argBase;
            m.writeSlot(proof, m.sp, uint64(uint32(result)));
            m.sp++;
            m.pc++;
            return m;
        }
    }

    function zeroRegs(Machine memory m) internal pure {
        for (uint256 r = 0; r < 4; r++) m.regs[r] = 0;
    }

    function run(Machine memory m, bytes calldata proof, uint256 argBase, uint256 id)
        internal
        pure
        returns (uint256, uint256)
    {
        if (id == 0) return argsGet(m, proof, argBase);
        if (id == 1) return writeTwoSizes(m, proof, argBase, m.argc, m.argsLen);
        if (id == 2) return (RETURN, SUCCESS); // environ_get: empty environment
        if (id == 3) return writeTwoSizes(m, proof, argBase, 0, 0); // environ_sizes_get
        if (id == 4) return fdRead(m, proof, argBase);
        if (id == 5) return fdWrite(m, proof, argBase);
        if (id == 6) return (RETURN, arg(m, proof, argBase, 0) <= 2 ? SUCCESS : BADF); // fd_close
        if (id == 7) return fdFdstatGet(m, proof, argBase);
        if (id == 8 || id == 9) return (RETURN, BADF); // no preopens
        if (id == 10) return (RETURN, arg(m, proof, argBase, 0) <= 2 ? SPIPE : BADF); // fd_seek
        if (id == 11) return (EXIT, arg(m, proof, argBase, 0)); // proc_exit: the i32 argument
        if (id == 12) return (RETURN, SUCCESS); // sched_yield
        if (id == 13) return clockTimeGet(m, proof, argBase);
        if (id == 14) return randomGet(m, proof, argBase);
        revert ProofErrors.InvalidState(uint32(HOST_CALL));
    }

    /// Argument j as u32 (read from the stack on every use).
    function arg(Machine memory m, bytes calldata proof, uint256 argBase, uint256 j) internal pure returns (uint256) {
        unchecked {
            return uint32(m.readSlot(proof, argBase + j));
        }
    }

    function inBounds(Machine memory m, uint256 addr, uint256 len) internal pure returns (bool) {
        return addr + len <= m.memPages * PAGE;
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    /// Little-endian bytes of `value` (`width` bytes), left-aligned.
    function leBytes(uint256 value, uint256 width) internal pure returns (bytes32 out) {
        uint256 x;
        for (uint256 k = 0; k < width; k++) x |= ((value >> (8 * k)) & 0xff) << (248 - 8 * k);
        out = bytes32(x);
    }

    function storeU32(Machine memory m, bytes calldata proof, uint256 addr, uint256 value) internal pure returns (bool) {
        if (!inBounds(m, addr, 4)) return false;
        m.writeMemory(proof, addr, leBytes(uint32(value), 4), 4);
        return true;
    }

    function storeU64(Machine memory m, bytes calldata proof, uint256 addr, uint256 value) internal pure returns (bool) {
        if (!inBounds(m, addr, 8)) return false;
        m.writeMemory(proof, addr, leBytes(uint64(value), 8), 8);
        return true;
    }

    /// args_get(argv, argv_buf). r0 = pointers written, r1 = blob bytes copied.
    function argsGet(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        uint256 argv = arg(m, proof, argBase, 0);
        uint256 argvBuf = arg(m, proof, argBase, 1);
        uint256 written = m.regs[0];
        if (written < m.argc) {
            uint256 pointer = argvBuf + m.programU32(proof, m.argsBase + 4 * written);
            if (!storeU32(m, proof, argv + 4 * written, pointer)) return (RETURN, FAULT);
            m.regs[0] = written + 1;
            return (CONTINUE, 0);
        }
        return argsBlob(m, proof, argvBuf);
    }

    /// args_get's chunk units: the next bytes of the args blob to argv_buf + r1.
    function argsBlob(Machine memory m, bytes calldata proof, uint256 argvBuf) internal pure returns (uint256, uint256) {
        uint256 done = m.regs[1];
        if (done >= m.argsLen) return (RETURN, SUCCESS);
        uint256 at = argvBuf + done;
        uint256 w = min(m.argsLen - done, LEAF - (at % LEAF));
        if (!inBounds(m, at, w)) return (RETURN, FAULT);
        bytes32 data = m.readBytes(proof, Region.PROGRAM, m.argsBase + 4 * m.argc + done, w);
        m.writeMemory(proof, at, data, w);
        m.regs[1] = done + w;
        return done + w == m.argsLen ? (RETURN, SUCCESS) : (CONTINUE, 0);
    }

    /// Two u32 answers at arg0 and arg1, one per micro-step. r0 = words written.
    function writeTwoSizes(Machine memory m, bytes calldata proof, uint256 argBase, uint256 first, uint256 second)
        internal
        pure
        returns (uint256, uint256)
    {
        if (m.regs[0] == 0) {
            if (!storeU32(m, proof, arg(m, proof, argBase, 0), first)) return (RETURN, FAULT);
            m.regs[0] = 1;
            return (CONTINUE, 0);
        }
        if (!storeU32(m, proof, arg(m, proof, argBase, 1), second)) return (RETURN, FAULT);
        return (RETURN, SUCCESS);
    }

    /// Reads iovec r0 (when r3 = 0). Returns (true, outcome, result) if the micro-step ends here.
    function readIovec(Machine memory m, bytes calldata proof, uint256 iovs)
        internal
        pure
        returns (bool, uint256, uint256)
    {
        uint256 index = m.regs[NEXT_IOVEC];
        uint256 addr = iovs + 8 * index;
        if (!inBounds(m, addr, 8)) return (true, RETURN, FAULT);
        uint256 iov = uint256(m.readBytes(proof, Region.MEMORY, addr, 8));
        uint256 len = le32(iov, 4);
        m.regs[NEXT_IOVEC] = uint32(index + 1);
        m.regs[CURSOR] = le32(iov, 0);
        m.regs[REMAINING] = len;
        return (len == 0, CONTINUE, 0);
    }

    /// Little-endian u32 at byte `at` of a left-aligned word.
    function le32(uint256 word, uint256 at) internal pure returns (uint256 v) {
        for (uint256 k = 0; k < 4; k++) v |= ((word >> (248 - 8 * (at + k))) & 0xff) << (8 * k);
    }

    function advance(Machine memory m, uint256 w) internal pure {
        m.regs[CURSOR] = uint32(m.regs[CURSOR] + w);
        m.regs[TOTAL] = uint32(m.regs[TOTAL] + w);
        unchecked {
            m.regs[REMAINING] = uint32(m.regs[REMAINING] - w);
        }
    }

    /// fd_read(fd, iovs, iovs_len, nread_ptr): fd 0 reads the job input.
    function fdRead(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        if (arg(m, proof, argBase, 0) != 0) return (RETURN, BADF);
        uint256 iovs = arg(m, proof, argBase, 1);
        uint256 iovsLen = arg(m, proof, argBase, 2);
        bool atEof = m.inputPos >= m.inputLen;
        if (atEof || (m.regs[REMAINING] == 0 && m.regs[NEXT_IOVEC] >= iovsLen)) {
            if (!storeU32(m, proof, arg(m, proof, argBase, 3), m.regs[TOTAL])) return (RETURN, FAULT);
            return (RETURN, SUCCESS);
        }
        if (m.regs[REMAINING] == 0) {
            (bool ended, uint256 outcome, uint256 result) = readIovec(m, proof, iovs);
            if (ended) return (outcome, result);
        }
        return readChunk(m, proof);
    }

    /// fd_read's chunk: input bytes at inputPos to memory at the cursor.
    function readChunk(Machine memory m, bytes calldata proof) internal pure returns (uint256, uint256) {
        uint256 cursor = m.regs[CURSOR];
        uint256 pos = m.inputPos;
        uint256 w = min(min(m.regs[REMAINING], LEAF - (cursor % LEAF)), min(LEAF - (pos % LEAF), m.inputLen - pos));
        if (!inBounds(m, cursor, w)) return (RETURN, FAULT);
        bytes32 data = m.readBytes(proof, Region.INPUT, pos, w);
        m.writeMemory(proof, cursor, data, w);
        m.inputPos = pos + w;
        advance(m, w);
        return (CONTINUE, 0);
    }

    /// fd_write(fd, iovs, iovs_len, nwritten_ptr): fd 1 stdout, fd 2 stderr.
    function fdWrite(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        uint256 fd = arg(m, proof, argBase, 0);
        if (fd != 1 && fd != 2) return (RETURN, BADF);
        uint256 iovs = arg(m, proof, argBase, 1);
        uint256 iovsLen = arg(m, proof, argBase, 2);
        if (m.regs[REMAINING] == 0) {
            if (m.regs[NEXT_IOVEC] >= iovsLen) {
                if (!storeU32(m, proof, arg(m, proof, argBase, 3), m.regs[TOTAL])) return (RETURN, FAULT);
                return (RETURN, SUCCESS);
            }
            (bool ended, uint256 outcome, uint256 result) = readIovec(m, proof, iovs);
            if (ended) return (outcome, result);
        }
        return writeChunk(m, proof, fd);
    }

    /// fd_write's chunk: memory bytes at the cursor appended to the stream.
    function writeChunk(Machine memory m, bytes calldata proof, uint256 fd) internal pure returns (uint256, uint256) {
        uint256 cursor = m.regs[CURSOR];
        uint256 w = min(m.regs[REMAINING], LEAF - (cursor % LEAF));
        if (!inBounds(m, cursor, w)) return (RETURN, FAULT);
        if (fd == 1) {
            if (m.outLen + w > m.maxOutputBytes) return (TRAP, TrapCode.OUTPUT_LIMIT);
            bytes32 bytes_ = m.readBytes(proof, Region.MEMORY, cursor, w);
            (m.outLen, m.outAcc, m.outPending) = appendToStream(m.outLen, m.outAcc, m.outPending, bytes_, w);
        } else {
            if (m.logLen + w > m.maxLogBytes) return (TRAP, TrapCode.LOG_LIMIT);
            bytes32 bytes_ = m.readBytes(proof, Region.MEMORY, cursor, w);
            (m.logLen, m.logAcc, m.logPending) = appendToStream(m.logLen, m.logAcc, m.logPending, bytes_, w);
        }
        advance(m, w);
        return (CONTINUE, 0);
    }

    /// vm/proof/stream.ts appendToStream: byte b goes to pending[len % 32]; a completed
    /// block folds into acc = H(acc ‖ pending) and pending starts over at zero.
    function appendToStream(uint256 len, bytes32 acc, bytes32 pending, bytes32 data, uint256 w)
        internal
        pure
        returns (uint256, bytes32, bytes32)
    {
        for (uint256 k = 0; k < w; k++) {
            uint256 shift = 248 - 8 * (len % 32);
            uint256 b = uint8(data[k]);
            pending = bytes32((uint256(pending) & ~(uint256(0xff) << shift)) | (b << shift));
            len++;
            if (len % 32 == 0) {
                acc = keccak256(abi.encodePacked(acc, pending));
                pending = bytes32(0);
            }
        }
        return (len, acc, pending);
    }

    /// fd_fdstat_get(fd, buf): three u64 words, one per micro-step. r0 = words written.
    function fdFdstatGet(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        uint256 fd = arg(m, proof, argBase, 0);
        if (fd > 2) return (RETURN, BADF);
        uint256 word = m.regs[0];
        uint256 low = word == 0 ? 2 : word == 1 ? (fd == 0 ? 1 << 1 : 1 << 6) : 0;
        if (!storeU64(m, proof, arg(m, proof, argBase, 1) + 8 * word, low)) return (RETURN, FAULT);
        m.regs[0] = word + 1;
        return word == 2 ? (RETURN, SUCCESS) : (CONTINUE, 0);
    }

    /// clock_time_get(id, precision, time_ptr): steps before this call, in ns.
    function clockTimeGet(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        if (!storeU64(m, proof, arg(m, proof, argBase, 2), m.steps - 1)) return (RETURN, FAULT);
        return (RETURN, SUCCESS);
    }

    /// random_get(buf, len): zeroes, one leaf per micro-step. r0 = bytes done.
    function randomGet(Machine memory m, bytes calldata proof, uint256 argBase) internal pure returns (uint256, uint256) {
        uint256 buf = arg(m, proof, argBase, 0);
        uint256 len = arg(m, proof, argBase, 1);
        uint256 done = m.regs[0];
        if (done > len) {
            // a negative rest (no valid run has one): TypeScript checks buf + len, then fails to write
            if (buf + len > m.memPages * PAGE) return (RETURN, FAULT);
            revert ProofErrors.InvalidState(uint32(HOST_CALL));
        }
        if (!inBounds(m, buf + done, len - done)) return (RETURN, FAULT);
        if (len == done) return (RETURN, SUCCESS);
        return zeroChunk(m, proof, buf + done, len - done);
    }

    /// random_get's chunk: zeroes the bytes of [at, at + rest) in one leaf.
    function zeroChunk(Machine memory m, bytes calldata proof, uint256 at, uint256 rest) internal pure returns (uint256, uint256) {
        uint256 w = min(rest, LEAF - (at % LEAF));
        m.writeMemory(proof, at, bytes32(0), w);
        m.regs[0] += w;
        return w == rest ? (RETURN, SUCCESS) : (CONTINUE, 0);
    }
}
