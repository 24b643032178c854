// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {OneStepVerifier} from "../../src/verifier/OneStepVerifier.sol";
import {ProofErrors} from "../../src/verifier/Machine.sol";
import {Vector, VmJson, deployVerifier} from "./ProofVectors.t.sol";

/// Crafted pre-states: states no valid run reaches (an empty stack popped, no frame to
/// return to, registers of a micro-step that never started, out-of-range rows ...),
/// made from honest vectors of every opcode (every table and WASI micro-step vector) by
/// rewriting header registers, row words or header bits and rehashing. Whatever such a proof does, the verifier must either return a
/// post-state (vm/proof/verify.ts returns the same one: test/verifier/crafted-states.test.ts)
/// or revert with a named ProofErrors error: never a Solidity Panic (arithmetic
/// underflow 0x11, array index 0x32, division by zero 0x12) or an unnamed revert.
contract ProofStatesTest is Test {
    VmJson private constant json = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant HEADER = 422;
    uint256 private constant PROGRAM_HEADER = 156;
    bytes4 private constant PANIC = 0x4e487b71; // Panic(uint256)

    // Header offsets (docs/machine-state.md "The state hash").
    uint256 private constant STATUS = 32;
    uint256 private constant STEPS = 38;
    uint256 private constant PC = 46;
    uint256 private constant SP = 50;
    uint256 private constant FP = 54;
    uint256 private constant FSP = 58;
    uint256 private constant FN = 62;
    uint256 private constant UNITS = 66;
    uint256 private constant MEM_PAGES = 70;
    uint256 private constant INPUT_POS = 74;
    uint256 private constant REGS = 78;
    uint256 private constant OUT_LEN = 94;
    uint256 private constant LOG_LEN = 162;

    OneStepVerifier private verifier;
    /// Opcodes of the honest vectors kept (every opcode of every group, and the halted /
    /// out-of-steps transitions); proof i is the code of address PROOFS + i (vm.etch:
    /// storage for 371 proofs would cost more gas than a setUp may use).
    int256[] private opcodes;
    uint160 private constant PROOFS = 0x5eed00000000;
    mapping(bytes32 => uint256) private kept;

    struct Change {
        uint256 at;
        uint256 value;
    }

    function setUp() public {
        verifier = deployVerifier();
        // one external call per file: its parsed JSON is freed when the call returns
        this.keep("control", 2);
        this.keep("variable", 2);
        this.keep("memory", 4); // micro-steps of bulk operations: several per opcode
        this.keep("numeric", 1);
        this.keep("table", 100); // all: every micro-step kind of table.grow / fill / copy / init
        this.keep("wasi", 100); // all: every WASI function (one opcode, HOST_CALL)
        this.keep("transition", 2);
    }

    // Every opcode under each crafted register setting (registerSettings), a few settings
    // per test (a test may use at most 2^30 gas): only post-states and named errors.

    function test_crafted_stack_pointers() public view {
        checkSettings(0, 7);
    }

    function test_crafted_frames() public view {
        checkSettings(7, 10);
    }

    function test_crafted_memory_and_input() public view {
        checkSettings(10, 13);
    }

    function test_crafted_micro_step_registers() public view {
        checkSettings(13, 19);
    }

    function test_crafted_streams_and_steps() public view {
        checkSettings(19, 22);
    }

    // Every opcode with one operand word of its row set to extremes.

    function test_crafted_row_word_a() public view {
        checkRowWord(1);
    }

    function test_crafted_row_word_b() public view {
        checkRowWord(2);
    }

    function test_crafted_row_word_c() public view {
        checkRowWord(3);
    }

    /// Random registers (biased to the edges of u32) on a random opcode's proof.
    function testFuzz_registers(uint256 which, uint256[12] memory seeds) public view {
        bytes memory proof = proofOf(which % opcodes.length);
        uint256[12] memory at = [SP, FP, FSP, FN, UNITS, MEM_PAGES, INPUT_POS, REGS, REGS + 4, REGS + 8, REGS + 12, OUT_LEN];
        for (uint256 k = 0; k < at.length; k++) {
            if (seeds[k] % 3 == 0) putU32(proof, at[k], edgy(seeds[k] / 3));
        }
        (bool named, bytes4 selector, uint256 code) = outcome(proof);
        assertTrue(named, describe(opcodes[which % opcodes.length], 999, selector, code));
    }

    /// A random opcode's row with random operand words, plus a random stack pointer, and
    /// half the time another opcode (its accesses then differ from the proof's).
    function testFuzz_rows(uint256 which, uint256 op, uint256 a, uint256 b, uint256 c, uint256 sp) public view {
        uint256 i = which % opcodes.length;
        bytes memory proof = proofOf(i);
        if (!runsARow(proof)) return;
        if (op % 2 == 0) setRowWord(proof, 0, (op >> 1) % 256);
        setRowWord(proof, 1, edgy(a));
        setRowWord(proof, 2, edgy(b));
        setRowWord(proof, 3, edgy(c));
        if (sp % 2 == 0) putU32(proof, SP, edgy(sp / 2));
        (bool named, bytes4 selector, uint256 code) = outcome(proof);
        assertTrue(named, describe(opcodes[i], 998, selector, code));
    }

    /// One bit of the state header (past programHash) or of the program header flipped,
    /// both rehashed: limits, layout, depths and registers no valid run has.
    function testFuzz_header_bits(uint256 which, uint256 at, uint8 bit) public view {
        uint256 i = which % opcodes.length;
        bytes memory proof = proofOf(i);
        at = 32 + at % (HEADER + PROGRAM_HEADER - 32);
        proof[at] = bytes1(uint8(proof[at]) ^ uint8(1 << (bit % 8)));
        bytes32 programHash = keccakOf(proof, HEADER, PROGRAM_HEADER);
        for (uint256 k = 0; k < 32; k++) proof[k] = programHash[k];
        (bool named, bytes4 selector, uint256 code) = outcome(proof);
        assertTrue(named, describe(opcodes[i], 2000 + at, selector, code));
    }

    // -----------------------------------------------------------------------------------

    function checkSettings(uint256 from, uint256 to) private view {
        assertTrue(opcodes.length > 300, "too few vectors kept");
        uint256 failures = 0;
        string memory first;
        for (uint256 i = 0; i < opcodes.length; i++) {
            for (uint256 k = from; k < to; k++) {
                (bool named, string memory why) = this.crafted(i, k);
                if (!named && failures++ == 0) first = why;
            }
        }
        if (failures > 0) fail(string.concat(vm.toString(failures), " unnamed reverts; first: ", first));
    }

    /// Kept proof i under register setting k (an external call: its memory is freed after it).
    function crafted(uint256 i, uint256 k) external view returns (bool, string memory) {
        Change[] memory setting = registerSettings()[k];
        bytes memory proof = proofOf(i);
        for (uint256 c = 0; c < setting.length; c++) putU32(proof, setting[c].at, setting[c].value);
        (bool named, bytes4 selector, uint256 code) = outcome(proof);
        return (named, named ? "" : describe(opcodes[i], k, selector, code));
    }

    function checkRowWord(uint256 word) private view {
        uint256 failures = 0;
        string memory first;
        for (uint256 i = 0; i < opcodes.length; i++) {
            for (uint256 k = 0; k < 5; k++) {
                (bool named, string memory why) = this.craftedRow(i, word, k);
                if (!named && failures++ == 0) first = why;
            }
        }
        if (failures > 0) fail(string.concat(vm.toString(failures), " unnamed reverts; first: ", first));
    }

    /// Kept proof i with word `word` of its row set to extreme k (no change if it runs no row).
    function craftedRow(uint256 i, uint256 word, uint256 k) external view returns (bool, string memory) {
        uint256[5] memory values = [uint256(0), 1, 0x7fffffff, 0x80000000, 0xffffffff];
        bytes memory proof = proofOf(i);
        if (!runsARow(proof)) return (true, "");
        setRowWord(proof, word, values[k]);
        (bool named, bytes4 selector, uint256 code) = outcome(proof);
        return (named, named ? "" : describe(opcodes[i], 100 + 10 * word + k, selector, code));
    }

    /// Register settings of states no valid run reaches.
    function registerSettings() private pure returns (Change[][] memory s) {
        s = new Change[][](22);
        // stack pointers: 0 .. 6
        s[0] = one(SP, 0); // pop from an empty stack
        s[1] = one(SP, 1);
        s[2] = one(SP, 2);
        s[3] = one(SP, 0xffffffff);
        s[4] = two(SP, 0, FP, 0);
        s[5] = two(SP, 0, FP, 0xffffffff);
        s[6] = two(PC, 0xffffffff, SP, 3);
        // frames: 7 .. 9
        s[7] = one(FSP, 0); // return with no frame
        s[8] = one(FN, 0xffffffff); // leave bootstrap code
        s[9] = one(UNITS, 0);
        // memory and input: 10 .. 12
        s[10] = one(MEM_PAGES, 0);
        s[11] = one(MEM_PAGES, 0xffffffff);
        s[12] = one(INPUT_POS, 0xffffffff);
        // micro-step registers: 13 .. 18 (a micro-step that never started, or past its end)
        s[13] = one(REGS, 0xffffffff);
        s[14] = one(REGS, 1);
        s[15] = one(REGS + 4, 0xffffffff);
        s[16] = one(REGS + 8, 0xffffffff);
        s[17] = one(REGS + 12, 0xffffffff);
        s[18] = two(REGS, 5, REGS + 12, 3);
        // streams and steps: 19 .. 21
        s[19] = one(OUT_LEN, 0xffffffff);
        s[20] = one(LOG_LEN, 0xffffffff);
        s[21] = two(STEPS + 4, 0, STEPS, 0); // steps = 0
    }

    function one(uint256 at, uint256 value) private pure returns (Change[] memory c) {
        c = new Change[](1);
        c[0] = Change(at, value);
    }

    function two(uint256 at, uint256 value, uint256 at2, uint256 value2) private pure returns (Change[] memory c) {
        c = new Change[](2);
        c[0] = Change(at, value);
        c[1] = Change(at2, value2);
    }

    /// A u32 near an edge more often than not.
    function edgy(uint256 seed) private pure returns (uint256) {
        uint256 kind = seed % 8;
        uint256 rest = seed >> 3;
        if (kind == 0) return 0;
        if (kind == 1) return rest % 4;
        if (kind == 2) return 0xffffffff - rest % 4;
        if (kind == 3) return 0x80000000 + rest % 3 - 1;
        if (kind == 4) return rest % 64;
        return uint32(rest);
    }

    /// Rehashes the header and calls the verifier: (true, ..) for a post-state or a named
    /// error; (false, selector, panic code) otherwise.
    function outcome(bytes memory proof) private view returns (bool, bytes4, uint256) {
        bytes32 pre = keccakOf(proof, 0, HEADER);
        try verifier.verifyStep(pre, proof) returns (bytes32) {
            return (true, 0, 0);
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            if (isNamed(selector) && (reason.length - 4) % 32 == 0) return (true, selector, 0);
            uint256 code = 0;
            if (selector == PANIC && reason.length == 36) {
                assembly {
                    code := mload(add(reason, 36))
                }
            }
            return (false, selector, code);
        }
    }

    function isNamed(bytes4 s) private pure returns (bool) {
        return s == ProofErrors.Malformed.selector || s == ProofErrors.StateHashMismatch.selector
            || s == ProofErrors.ProgramHashMismatch.selector || s == ProofErrors.Truncated.selector
            || s == ProofErrors.LeafIndexOutOfRange.selector || s == ProofErrors.LeafNotInRegion.selector
            || s == ProofErrors.WriteToImmutableRegion.selector || s == ProofErrors.TrailingBytes.selector
            || s == ProofErrors.InvalidState.selector;
    }

    function describe(int256 opcode, uint256 setting, bytes4 selector, uint256 code)
        private
        pure
        returns (string memory)
    {
        return string.concat(
            "opcode ", vm.toString(opcode), " setting ", vm.toString(setting), " reverted with ",
            vm.toString(bytes32(selector)), selector == PANIC ? string.concat(" Panic ", vm.toString(code)) : ""
        );
    }

    /// Whether the proof's transition executes a row (running, steps < maxSteps): its first access is ROW(pc).
    function runsARow(bytes memory proof) private pure returns (bool) {
        return uint8(proof[STATUS]) == 0 && readBe(proof, STEPS, 8) < readBe(proof, HEADER + 76, 8);
    }

    /// Rewrites word `word` of row pc in the proof's first access (the row's leaf) and
    /// rehashes the program: new PROGRAM root from the access's siblings, new programHash.
    function setRowWord(bytes memory proof, uint256 word, uint256 value) private pure {
        uint256 depth = uint8(proof[HEADER + 68]);
        uint256 codeBase = readBe(proof, HEADER + 100, 4);
        uint256 at = codeBase + 16 * readBe(proof, PC, 4);
        uint256 leafAt = HEADER + PROGRAM_HEADER;
        putU32(proof, leafAt + (at & 31) + 4 * word, value);
        bytes32 node = keccakOf(proof, leafAt, 32);
        uint256 index = at >> 5;
        for (uint256 h = 0; h < depth; h++) {
            bytes32 sibling = bytes32(readBe(proof, leafAt + 32 + 32 * h, 32));
            node = (index >> h) & 1 == 0 ? keccak256(abi.encodePacked(node, sibling)) : keccak256(abi.encodePacked(sibling, node));
        }
        for (uint256 i = 0; i < 32; i++) proof[HEADER + i] = node[i]; // programRoot
        bytes32 programHash = keccakOf(proof, HEADER, PROGRAM_HEADER);
        for (uint256 i = 0; i < 32; i++) proof[i] = programHash[i];
    }

    function putU32(bytes memory b, uint256 at, uint256 value) private pure {
        for (uint256 i = 0; i < 4; i++) b[at + i] = bytes1(uint8(value >> (24 - 8 * i)));
    }

    function readBe(bytes memory b, uint256 at, uint256 len) private pure returns (uint256 v) {
        for (uint256 i = 0; i < len; i++) v = (v << 8) | uint8(b[at + i]);
    }

    function keccakOf(bytes memory b, uint256 at, uint256 len) private pure returns (bytes32 h) {
        assembly {
            h := keccak256(add(add(b, 32), at), len)
        }
    }

    /// Keeps at most `perOpcode` vectors of each opcode of a group's file (called by setUp).
    function keep(string memory group, uint256 perOpcode) external {
        string memory text = vm.readFile(string.concat("contracts/test/vectors/proofs-", group, ".json"));
        Vector[] memory vs = abi.decode(json.parseJson(text, ".vectors"), (Vector[]));
        for (uint256 i = 0; i < vs.length; i++) {
            bytes32 key = keccak256(abi.encode(group, vs[i].opcode));
            if (kept[key] == perOpcode) continue;
            kept[key]++;
            vm.etch(address(PROOFS + uint160(opcodes.length)), vs[i].proof);
            opcodes.push(vs[i].opcode);
        }
    }

    /// A copy of kept proof i.
    function proofOf(uint256 i) private view returns (bytes memory proof) {
        address at = address(PROOFS + uint160(i));
        uint256 size = at.code.length;
        proof = new bytes(size);
        assembly {
            extcodecopy(at, add(proof, 32), 0, size)
        }
    }
}
