// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {IntHarness} from "../harness/IntHarness.sol";
import {F32Harness} from "../harness/F32Harness.sol";
import {F64Harness} from "../harness/F64Harness.sol";
import {ConvertHarness} from "../harness/ConvertHarness.sol";

interface NumericHarness {
    function run(uint16 op, uint64 a, uint64 b) external pure returns (uint64, uint8);
}

/// Differential test of the Solidity numeric core against the TypeScript machine: every
/// vector of contracts/test/vectors/numerics-<group>.json (written by
/// test/vectors/gen-numeric-vectors.ts from the interpreter's own results) must give the
/// same result bits and the same trap code. One test per library, each running every op
/// that library implements; a mismatch names the op, the operands and both results.
contract NumericVectorsTest is Test {
    function test_int_vectors() public {
        uint256 checked = runGroup(address(new IntHarness()), "int");
        assertTrue(checked > 40_000, "too few int vectors");
    }

    function test_f32_vectors() public {
        uint256 checked = runGroup(address(new F32Harness()), "f32");
        assertTrue(checked > 20_000, "too few f32 vectors");
    }

    function test_f64_vectors() public {
        uint256 checked = runGroup(address(new F64Harness()), "f64");
        assertTrue(checked > 20_000, "too few f64 vectors");
    }

    function test_convert_vectors() public {
        uint256 checked = runGroup(address(new ConvertHarness()), "convert");
        assertTrue(checked > 20_000, "too few conversion vectors");
    }

    // -----------------------------------------------------------------------------------

    /// Runs every op of group `group` on `harness`; returns the number of vectors.
    /// One JSON query per op: the file (about 1 MB) is copied into every cheatcode call.
    function runGroup(address harness, string memory group) private view returns (uint256 total) {
        string memory json = vm.readFile(string.concat("contracts/test/vectors/numerics-", group, ".json"));
        string[] memory names = vm.parseJsonKeys(json, ".ops");
        assertTrue(names.length > 0, string.concat("no ops in group ", group));
        for (uint256 i = 0; i < names.length; i++) {
            bytes memory data = vm.parseJsonBytes(json, string.concat(".ops.", names[i], ".data"));
            total += runOp(NumericHarness(harness), names[i], data);
        }
    }

    /// Checks the records of one op (layout: test/vectors/numeric-vectors.ts).
    function runOp(NumericHarness harness, string memory name, bytes memory data)
        private
        pure
        returns (uint256 count)
    {
        uint16 opcode = uint16(word(data, 0, 2));
        uint256 wa = word(data, 2, 1);
        uint256 wb = word(data, 3, 1);
        uint256 wr = word(data, 4, 1);
        uint256 size = wa + wb + wr + 1;
        count = (data.length - 5) / size;
        assertEq(data.length, 5 + count * size, string.concat(name, ": data length"));
        for (uint256 at = 5; at < data.length; at += size) {
            uint64 a = uint64(word(data, at, wa));
            uint64 b = uint64(word(data, at + wa, wb));
            uint64 want = uint64(word(data, at + wa + wb, wr));
            uint8 wantTrap = uint8(word(data, at + wa + wb + wr, 1));
            (uint64 got, uint8 gotTrap) = harness.run(opcode, a, b);
            if (got != want || gotTrap != wantTrap) {
                fail(
                    string.concat(
                        name,
                        "(",
                        hex64(a),
                        wb == 0 ? "" : string.concat(", ", hex64(b)),
                        "): got ",
                        hex64(got),
                        " trap ",
                        vm.toString(uint256(gotTrap)),
                        ", want ",
                        hex64(want),
                        " trap ",
                        vm.toString(uint256(wantTrap))
                    )
                );
            }
        }
    }

    /// The big-endian unsigned integer of `len` (<= 32) bytes at `offset` of `data`.
    function word(bytes memory data, uint256 offset, uint256 len) private pure returns (uint256 v) {
        if (len == 0) return 0;
        assembly ("memory-safe") {
            v := shr(sub(256, mul(8, len)), mload(add(add(data, 32), offset)))
        }
    }

    function hex64(uint64 v) private pure returns (string memory) {
        return vm.toString(abi.encodePacked(v));
    }
}
