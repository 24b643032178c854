// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {StateHeader} from "../../src/market/StateHeader.sol";
import {SyntheticMachine} from "./SyntheticMachine.sol";

contract StateHeaderProbe {
    function decode(bytes calldata header) external pure returns (StateHeader.Summary memory) {
        return StateHeader.decode(header);
    }

    function streamDigest(bytes calldata data) external pure returns (bytes32) {
        return StateHeader.streamDigest(data);
    }
}

contract StateHeaderTest is Test {
    StateHeaderProbe private probe;

    function setUp() public {
        probe = new StateHeaderProbe();
    }

    /// Vectors from vm/state/stream.ts `outputDigest` (the prover's implementation).
    function test_streamDigestMatchesTheProver() public view {
        assertEq(probe.streamDigest(""), 0x5706de766d5661c754fb7b4c89db363309a9f89fa2945c9d8c7a303b79943963);
        assertEq(probe.streamDigest("hello"), 0xd911d9018b74cf4218989cd08e5ff2bb367807cedd69807e6fd371d0a99e422d);
        assertEq(
            probe.streamDigest("The quick brown fox jumps over the lazy dog, twice!"),
            0x418cfe24812455adaf75aadce216288cbdb614c5a429ba043164695dd0a0af4c
        );
        bytes memory counting = new bytes(64);
        for (uint256 i = 0; i < 64; i++) {
            counting[i] = bytes1(uint8(i));
        }
        assertEq(probe.streamDigest(counting), 0x3878b76e8220d4278848953ea3ca5a37503630953d1feaed563f80bd0585c561);
    }

    /// Every field at its documented offset (docs/machine-state.md "The state hash").
    function test_decodeReadsTheDocumentedOffsets() public view {
        bytes memory header = new bytes(422);
        bytes32 program = keccak256("program");
        for (uint256 i = 0; i < 32; i++) {
            header[i] = program[i];
        }
        header[32] = 0x02; // trapped
        header[33] = 0x05; // out of bounds memory access
        _put(header, 34, hex"fffffffe"); // exitCode -2 (not meaningful when trapped, but read)
        _put(header, 38, hex"0000000100000002"); // steps
        _put(header, 94, hex"00000025"); // outLen 37
        bytes32 acc = keccak256("acc");
        bytes32 pending = bytes32(bytes5("hello"));
        _put(header, 98, abi.encodePacked(acc));
        _put(header, 130, abi.encodePacked(pending));
        _put(header, 162, hex"ffffffff"); // logLen: must not leak into the output digest

        StateHeader.Summary memory summary = probe.decode(header);
        assertEq(summary.programHash, program);
        assertEq(uint256(summary.status), 2);
        assertEq(uint256(summary.trapCode), 5);
        assertEq(int256(summary.exitCode), -2);
        assertEq(uint256(summary.steps), (uint256(1) << 32) | 2);
        assertEq(summary.outputDigest, keccak256(abi.encodePacked(acc, pending, uint32(37))));
    }

    function test_decodeAgreesWithStreamDigestOfTheOutput() public {
        SyntheticMachine machine = new SyntheticMachine(keccak256("p"), 100, 10, -1);
        StateHeader.Summary memory summary = probe.decode(machine.headerAt(10));
        assertEq(uint256(summary.status), 1);
        assertEq(int256(summary.exitCode), -1);
        assertEq(uint256(summary.steps), 10);
        assertEq(summary.outputDigest, probe.streamDigest("hello"));
    }

    function test_revertsOnWrongLength() public {
        vm.expectRevert(abi.encodeWithSelector(StateHeader.HeaderLength.selector, uint256(421)));
        probe.decode(new bytes(421));
        vm.expectRevert(abi.encodeWithSelector(StateHeader.HeaderLength.selector, uint256(423)));
        probe.decode(new bytes(423));
    }

    function _put(bytes memory target, uint256 at, bytes memory value) private pure {
        for (uint256 i = 0; i < value.length; i++) {
            target[at + i] = value[i];
        }
    }
}
