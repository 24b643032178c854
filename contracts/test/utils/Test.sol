// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// The subset of forge's cheatcodes Verity's tests use. Signatures must match forge's
/// exactly (the selector is what reaches the cheatcode address); an unknown one
/// reverts the test. forge-std is not available offline, hence this file.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // Environment
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function deal(address account, uint256 newBalance) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function label(address account, string calldata newLabel) external;
    function assume(bool condition) external pure;
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);

    // Callers
    function prank(address msgSender) external;
    function prank(address msgSender, address txOrigin) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    // Expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    // Keys
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // Files (foundry.toml grants read access to ./fixtures and ./contracts/test/vectors only)
    function readFile(string calldata path) external view returns (string memory data);
    function readFileBinary(string calldata path) external view returns (bytes memory data);

    // JSON (keys are jq-like paths: ".ops.f64_add.data")
    function parseJsonKeys(string calldata json, string calldata key) external pure returns (string[] memory keys);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);

    // Formatting, for assertion messages
    function toString(uint256 value) external pure returns (string memory);
    function toString(int256 value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function toString(bool value) external pure returns (string memory);
}

/// Minimal test base: forge runs every `test*` function of a contract in contracts/test
/// and reports a revert as a failure, so each assertion reverts with a message that
/// shows both sides.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "");
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(_failure("assertTrue", "false", "true", message));
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(_failure("assertFalse", "true", "false", message));
    }

    function assertEq(uint256 actual, uint256 expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(uint256 actual, uint256 expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure("assertEq(uint256)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(int256 actual, int256 expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(int256 actual, int256 expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure("assertEq(int256)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(bytes32 actual, bytes32 expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure("assertEq(bytes32)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(bool actual, bool expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bool actual, bool expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure("assertEq(bool)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(address actual, address expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(address actual, address expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure("assertEq(address)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(bytes memory actual, bytes memory expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory message) internal pure {
        if (keccak256(actual) != keccak256(expected)) {
            revert(_failure("assertEq(bytes)", vm.toString(actual), vm.toString(expected), message));
        }
    }

    function assertEq(string memory actual, string memory expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(string memory actual, string memory expected, string memory message) internal pure {
        if (keccak256(bytes(actual)) != keccak256(bytes(expected))) {
            revert(_failure("assertEq(string)", actual, expected, message));
        }
    }

    /// "assertEq(uint256) failed: 1 != 2 (message)" -- actual first, as in the call.
    function _failure(string memory what, string memory actual, string memory expected, string memory message)
        private
        pure
        returns (string memory)
    {
        string memory text = string.concat(what, " failed: ", actual, " != ", expected);
        return bytes(message).length == 0 ? text : string.concat(text, " (", message, ")");
    }
}
