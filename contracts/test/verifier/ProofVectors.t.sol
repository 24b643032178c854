// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {OneStepVerifier} from "../../src/verifier/OneStepVerifier.sol";
import {ProofErrors} from "../../src/verifier/Machine.sol";
import {ControlOps} from "../../src/verifier/ops/ControlOps.sol";
import {MemoryOps} from "../../src/verifier/ops/MemoryOps.sol";
import {NumericOps} from "../../src/verifier/ops/NumericOps.sol";
import {TableOps} from "../../src/verifier/ops/TableOps.sol";
import {VariableOps} from "../../src/verifier/ops/VariableOps.sol";
import {WasiOps} from "../../src/verifier/ops/WasiOps.sol";

interface VmJson {
    function parseJson(string calldata json, string calldata key) external pure returns (bytes memory);
}

/// A vector of contracts/test/vectors/proofs-<group>.json (fields in the alphabetical
/// order forge decodes JSON objects in).
struct Vector {
    string group;
    int256 opcode;
    bytes32 postStateHash;
    bytes32 preStateHash;
    bytes proof;
}

/// Deploys the verifier: the six group contracts, then the entry point.
function deployVerifier() returns (OneStepVerifier) {
    return new OneStepVerifier(
        new ControlOps(), new VariableOps(), new MemoryOps(), new NumericOps(), new TableOps(), new WasiOps()
    );
}

/// Differential test of OneStepVerifier against the TypeScript verifier: every vector
/// (written by test/vectors/gen-proof-vectors.ts from vm/proof/prove.ts, each checked by
/// vm/proof/verify.ts) must give the same post-state hash; a proof with a flipped bit
/// must revert or give another hash. Logs the gas of verifyStep per group (-vv).
contract ProofVectorsTest is Test {
    event log_named_uint(string key, uint256 val);

    VmJson private constant json = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));
    OneStepVerifier private verifier;

    function setUp() public {
        verifier = deployVerifier();
    }

    function test_control() public {
        checkGroup("control", 600);
    }

    function test_variable() public {
        checkGroup("variable", 400);
    }

    function test_memory() public {
        checkGroup("memory", 300);
    }

    function test_numeric() public {
        checkGroup("numeric", 1000);
    }

    /// The float cases of the spec suite (f32, f64, conversions, float_exprs, ...) stepped through.
    function test_spec_floats() public {
        checkGroup("spec-floats", 1500);
    }

    function test_table() public {
        checkGroup("table", 30);
    }

    function test_wasi() public {
        checkGroup("wasi", 60);
    }

    function test_transition() public {
        Vector[] memory vs = checkGroup("transition", 30);
        // a halted state maps to itself
        for (uint256 i = 0; i < vs.length; i++) {
            if (vs[i].opcode == -1) assertTrue(vs[i].postStateHash == vs[i].preStateHash, "halted state moved");
        }
    }

    function test_tampering_control() public view {
        tamper(load("control"), 8);
    }

    function test_tampering_variable() public view {
        tamper(load("variable"), 8);
    }

    function test_tampering_memory() public view {
        tamper(load("memory"), 8);
    }

    function test_tampering_numeric() public view {
        tamper(load("numeric"), 8);
    }

    function test_tampering_table() public view {
        tamper(load("table"), 8);
    }

    function test_tampering_wasi() public view {
        tamper(load("wasi"), 8);
    }

    // -----------------------------------------------------------------------------------

    function load(string memory group) private view returns (Vector[] memory) {
        string memory text = vm.readFile(string.concat("contracts/test/vectors/proofs-", group, ".json"));
        return abi.decode(json.parseJson(text, ".vectors"), (Vector[]));
    }

    function checkGroup(string memory group, uint256 atLeast) private returns (Vector[] memory vs) {
        vs = load(group);
        assertTrue(vs.length >= atLeast, string.concat("too few vectors in ", group));
        uint256[] memory gas = new uint256[](vs.length);
        for (uint256 i = 0; i < vs.length; i++) {
            Vector memory v = vs[i];
            uint256 before = gasleft();
            bytes32 post = verifier.verifyStep(v.preStateHash, v.proof);
            gas[i] = before - gasleft();
            if (post != v.postStateHash) {
                fail(string.concat(group, ": vector ", vm.toString(i), " opcode ", vm.toString(v.opcode), " post-state mismatch"));
            }
        }
        report(group, gas);
    }

    /// Flips one bit at several positions of every 13th proof: revert or another hash.
    function tamper(Vector[] memory vs, uint256 perProof) private view {
        for (uint256 i = 0; i < vs.length; i += 13) {
            Vector memory v = vs[i];
            for (uint256 k = 0; k < perProof; k++) {
                uint256 at = uint256(keccak256(abi.encode(i, k))) % v.proof.length;
                bytes memory bad = bytes.concat(v.proof);
                bad[at] = bytes1(uint8(bad[at]) ^ uint8(1 << (k % 8)));
                try verifier.verifyStep(v.preStateHash, bad) returns (bytes32 post) {
                    assertTrue(post != v.postStateHash, "a tampered proof gave the honest post-state");
                } catch {}
            }
        }
    }

    function report(string memory group, uint256[] memory gas) private {
        for (uint256 i = 1; i < gas.length; i++) {
            uint256 x = gas[i];
            uint256 j = i;
            while (j > 0 && gas[j - 1] > x) {
                gas[j] = gas[j - 1];
                j--;
            }
            gas[j] = x;
        }
        emit log_named_uint(string.concat(group, " vectors"), gas.length);
        emit log_named_uint(string.concat(group, " gas min"), gas[0]);
        emit log_named_uint(string.concat(group, " gas median"), gas[gas.length / 2]);
        emit log_named_uint(string.concat(group, " gas max"), gas[gas.length - 1]);
        assertTrue(gas[gas.length / 2] <= 150_000, "median gas above 150,000");
        assertTrue(gas[gas.length - 1] <= 1_000_000, "max gas above 1,000,000");
    }
}
