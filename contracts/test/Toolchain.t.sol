// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test, Vm} from "./utils/Test.sol";

/// Facts of the Solidity toolchain that the verifier and the TypeScript side rely on,
/// checked on a throwaway contract (contracts/src holds only product code).
contract Probe {
    error Empty();
    error TooBig(uint64 value, uint64 limit);

    event Seen(address indexed who, uint64 value);

    function hashOf(bytes calldata data) external pure returns (bytes32) {
        return keccak256(data);
    }

    function packU64(uint64 value) external pure returns (bytes memory) {
        return abi.encodePacked(value);
    }

    function packPair(uint64 high, uint32 low) external pure returns (bytes memory) {
        return abi.encodePacked(high, low);
    }

    function check(uint64 value) external returns (uint64) {
        if (value == 0) revert Empty();
        if (value > 100) revert TooBig(value, 100);
        emit Seen(msg.sender, value);
        return value;
    }

    function caller() external view returns (address) {
        return msg.sender;
    }
}

contract ToolchainTest is Test {
    Probe private probe;

    function setUp() public {
        probe = new Probe();
    }

    /// The output hash of a job that wrote nothing.
    function test_keccakOfEmptyOutput() public view {
        bytes32 emptyHash = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470;
        assertEq(probe.hashOf(""), emptyHash);
        assertEq(keccak256(new bytes(0)), emptyHash);
        assertTrue(probe.hashOf(hex"00") != emptyHash, "one zero byte is not empty");
    }

    /// Hashed state fields are packed as fixed-width big-endian integers.
    function test_encodePackedUint64IsEightBytesBigEndian() public view {
        assertEq(probe.packU64(0x0102030405060708), hex"0102030405060708");
        assertEq(probe.packU64(1), hex"0000000000000001");
        assertEq(probe.packU64(type(uint64).max), hex"ffffffffffffffff");
        assertEq(probe.packPair(1, 2), hex"000000000000000100000002");
    }

    function test_expectRevertMatchesCustomErrors() public {
        vm.expectRevert(Probe.Empty.selector);
        probe.check(0);

        vm.expectRevert(abi.encodeWithSelector(Probe.TooBig.selector, uint64(101), uint64(100)));
        probe.check(101);

        assertEq(uint256(probe.check(5)), 5);
    }

    function test_cheatcodesReachTheVm() public {
        address alice = vm.addr(0xA11CE);
        vm.deal(alice, 3 ether);
        assertEq(alice.balance, 3 ether);

        vm.warp(1_700_000_000);
        vm.roll(4242);
        assertEq(block.timestamp, 1_700_000_000);
        assertEq(block.number, 4242);

        vm.prank(alice);
        assertEq(probe.caller(), alice);
        assertEq(probe.caller(), address(this), "prank lasts one call");

        vm.expectEmit(true, false, false, true, address(probe));
        emit Probe.Seen(alice, 7);
        vm.prank(alice);
        probe.check(7);
    }

    /// The helpers must fail loudly: forge only sees a failure if the test reverts.
    function test_assertionsRevertWithBothSides() public {
        vm.expectRevert(bytes("assertEq(uint256) failed: 1 != 2"));
        this.compareUints(1, 2);

        vm.expectRevert(bytes("assertEq(bytes) failed: 0x01 != 0x0102 (lengths)"));
        this.compareBytes(hex"01", hex"0102", "lengths");

        this.compareUints(7, 7);
    }

    function compareUints(uint256 a, uint256 b) external pure {
        assertEq(a, b);
    }

    function compareBytes(bytes calldata a, bytes calldata b, string calldata message) external pure {
        assertEq(a, b, message);
    }
}
