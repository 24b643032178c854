// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {OneStepVerifier} from "../../src/verifier/OneStepVerifier.sol";
import {ProofErrors} from "../../src/verifier/Machine.sol";
import {Vector, VmJson, deployVerifier} from "./ProofVectors.t.sol";

/// Malformed and lying proofs revert with the named error of the ProofError reason of
/// vm/proof/verify.ts that they violate (one test per reason a proof can reach).
contract ProofErrorsTest is Test {
    VmJson private constant json = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant HEADER = 422;
    uint256 private constant PROGRAM_HEADER = 156;

    OneStepVerifier private verifier;
    Vector[] private vectors;

    function setUp() public {
        verifier = deployVerifier();
        string memory text = vm.readFile("contracts/test/vectors/proofs-variable.json");
        Vector[] memory vs = abi.decode(json.parseJson(text, ".vectors"), (Vector[]));
        for (uint256 i = 0; i < 40; i++) vectors.push(vs[i]);
    }

    function test_state_hash_mismatch() public view {
        Vector memory v = vectors[0];
        expectError(v.preStateHash ^ bytes32(uint256(1)), v.proof, ProofErrors.StateHashMismatch.selector);
    }

    function test_program_hash_mismatch() public view {
        Vector memory v = vectors[0];
        bytes memory bad = bytes.concat(v.proof);
        bad[HEADER + 40] ^= 0x01;
        expectError(v.preStateHash, bad, ProofErrors.ProgramHashMismatch.selector);
    }

    function test_truncated() public view {
        Vector memory v = vectors[0];
        bytes memory headers = new bytes(HEADER + PROGRAM_HEADER - 1);
        for (uint256 i = 0; i < headers.length; i++) headers[i] = v.proof[i];
        expectError(v.preStateHash, headers, ProofErrors.Truncated.selector);
        bytes memory short = new bytes(v.proof.length - 1);
        for (uint256 i = 0; i < short.length; i++) short[i] = v.proof[i];
        expectError(v.preStateHash, short, ProofErrors.Truncated.selector);
    }

    function test_trailing_bytes() public view {
        Vector memory v = vectors[0];
        expectError(v.preStateHash, bytes.concat(v.proof, hex"00"), ProofErrors.TrailingBytes.selector);
    }

    function test_leaf_not_in_region() public view {
        Vector memory v = vectors[0];
        bytes memory bad = bytes.concat(v.proof);
        bad[HEADER + PROGRAM_HEADER + 3] ^= 0x80; // the first access's leaf (the row)
        expectError(v.preStateHash, bad, ProofErrors.LeafNotInRegion.selector);
    }

    function test_malformed_depth() public view {
        Vector memory v = vectors[0];
        bytes memory bad = bytes.concat(v.proof);
        bad[HEADER + 70] = bytes1(uint8(33)); // the STACK depth
        expectError(rehash(bad), bad, ProofErrors.Malformed.selector);
    }

    function test_malformed_steps() public view {
        Vector memory v = vectors[0];
        bytes memory bad = bytes.concat(v.proof);
        bad[38 + 1] = 0x20; // steps = 2^53 (+ the low bytes)
        expectError(rehash(bad), bad, ProofErrors.Malformed.selector);
    }

    /// A STACK of depth 0 (one leaf) makes a valid proof's stack accesses out of range.
    function test_leaf_index_out_of_range() public view {
        uint256 seen = 0;
        for (uint256 i = 0; i < vectors.length; i++) {
            bytes memory bad = bytes.concat(vectors[i].proof);
            bad[HEADER + 70] = 0x00;
            try verifier.verifyStep(rehash(bad), bad) returns (bytes32) {}
            catch (bytes memory reason) {
                if (bytes4(reason) == ProofErrors.LeafIndexOutOfRange.selector) seen++;
            }
        }
        assertTrue(seen > 0, "no LeafIndexOutOfRange");
    }

    // -----------------------------------------------------------------------------------

    /// Makes the header's programHash that of the (changed) program header; returns the new state hash.
    function rehash(bytes memory proof) private pure returns (bytes32) {
        bytes memory programHeader = new bytes(PROGRAM_HEADER);
        for (uint256 i = 0; i < PROGRAM_HEADER; i++) programHeader[i] = proof[HEADER + i];
        bytes32 programHash = keccak256(programHeader);
        for (uint256 i = 0; i < 32; i++) proof[i] = programHash[i];
        bytes memory header = new bytes(HEADER);
        for (uint256 i = 0; i < HEADER; i++) header[i] = proof[i];
        return keccak256(header);
    }

    function expectError(bytes32 pre, bytes memory proof, bytes4 selector) private view {
        try verifier.verifyStep(pre, proof) returns (bytes32) {
            fail("accepted");
        } catch (bytes memory reason) {
            assertTrue(bytes4(reason) == selector, "another error");
        }
    }
}
