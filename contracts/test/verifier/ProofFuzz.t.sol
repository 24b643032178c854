// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {OneStepVerifier} from "../../src/verifier/OneStepVerifier.sol";
import {Vector, VmJson, deployVerifier} from "./ProofVectors.t.sol";

/// Fuzzing: a proof of the table or WASI vectors with one bit flipped anywhere, or cut or
/// extended anywhere, never verifies to the honest post-state.
contract ProofFuzzTest is Test {
    VmJson private constant json = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));

    OneStepVerifier private verifier;
    bytes32[] private pre;
    bytes32[] private post;
    bytes[] private proofs;

    function setUp() public {
        verifier = deployVerifier();
        keep("table");
        keep("wasi");
    }

    function testFuzz_flipped_bit(uint256 which, uint256 at, uint8 bit) public view {
        uint256 i = which % proofs.length;
        bytes memory bad = bytes.concat(proofs[i]);
        at %= bad.length;
        bad[at] = bytes1(uint8(bad[at]) ^ uint8(1 << (bit % 8)));
        try verifier.verifyStep(pre[i], bad) returns (bytes32 result) {
            assertTrue(result != post[i], "a flipped bit gave the honest post-state");
        } catch {}
    }

    function testFuzz_cut_or_extended(uint256 which, uint256 length) public view {
        uint256 i = which % proofs.length;
        bytes memory honest = proofs[i];
        length %= honest.length + 64;
        if (length == honest.length) return;
        bytes memory bad = new bytes(length);
        for (uint256 k = 0; k < length && k < honest.length; k++) bad[k] = honest[k];
        try verifier.verifyStep(pre[i], bad) returns (bytes32) {
            fail("a cut or extended proof verified");
        } catch {}
    }

    function keep(string memory group) private {
        string memory text = vm.readFile(string.concat("contracts/test/vectors/proofs-", group, ".json"));
        Vector[] memory vs = abi.decode(json.parseJson(text, ".vectors"), (Vector[]));
        for (uint256 i = 0; i < vs.length; i++) {
            pre.push(vs[i].preStateHash);
            post.push(vs[i].postStateHash);
            proofs.push(vs[i].proof);
        }
    }
}
