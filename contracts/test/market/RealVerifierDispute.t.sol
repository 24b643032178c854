// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {DisputeGames} from "../../src/market/DisputeGames.sol";
import {IStepVerifier} from "../../src/market/IStepVerifier.sol";
import {JobMarket} from "../../src/market/JobMarket.sol";
import {deployVerifier} from "../verifier/ProofVectors.t.sol";

interface VmJsonArrays {
    function parseJson(string calldata json, string calldata key) external pure returns (bytes memory);
}

/// The market decided by the REAL one-step verifier on a real job (fixtures/exit_code),
/// from contracts/test/vectors/dispute-e2e.json (test/vectors/gen-dispute-vectors.ts):
/// true state hashes at every index the games below can ask for, the true and a lying
/// final header, and the one-step proofs of the steps the games end at.
contract RealVerifierDisputeTest is Test {
    VmJsonArrays private constant json = VmJsonArrays(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 private constant CLOCK = 3 days;
    uint256 private constant BURN_BPS = 5_000;
    uint96 private constant FEE = 1 ether;
    uint96 private constant EXECUTOR_BOND = 2 ether;
    uint96 private constant CHALLENGER_BOND = 1 ether;
    uint32 private constant WINDOW = 1 days;
    uint32 private constant CHALLENGE_PERIOD = 7 days;
    uint64 private constant NEVER = type(uint64).max;

    address private submitter = address(0x5AB);
    address private executor = address(0xE1);
    address private executor2 = address(0xE2);
    address private watcher = address(0xA1);
    address private stranger = address(0x57);

    IStepVerifier private verifier;
    JobMarket private market;

    // the vectors
    uint256 private degree;
    uint64 private maxSteps;
    uint64 private n;
    bytes32 private initialHash;
    bytes private honestHeader;
    bytes32 private honestFinal;
    bytes private lieHeader;
    bytes32 private lieFinal;
    uint64 private lieFrom;
    uint256[] private indices;
    bytes32[] private hashes;
    uint256[] private steps;
    bytes[] private proofs;

    /// The defender's strategy: true hashes below `liesFrom`, made-up ones from there, and
    /// `claimedFinal` at the trace length.
    uint64 private liesFrom = NEVER;
    bytes32 private claimedFinal;

    enum Choice {
        FirstWrong, // an honest challenger: the first segment whose end is not the true hash
        First, // a lying challenger: always the first segment
        Last // a lying challenger: always the last segment
    }

    function setUp() public {
        string memory text = vm.readFile("contracts/test/vectors/dispute-e2e.json");
        degree = vm.parseJsonUint(text, ".degree");
        maxSteps = uint64(vm.parseJsonUint(text, ".maxSteps"));
        n = uint64(vm.parseJsonUint(text, ".traceLength"));
        initialHash = bytes32(vm.parseJsonBytes(text, ".initialStateHash"));
        honestHeader = vm.parseJsonBytes(text, ".honestHeader");
        honestFinal = bytes32(vm.parseJsonBytes(text, ".honestFinal"));
        lieHeader = vm.parseJsonBytes(text, ".lieHeader");
        lieFinal = bytes32(vm.parseJsonBytes(text, ".lieFinal"));
        lieFrom = uint64(vm.parseJsonUint(text, ".lieFrom"));
        indices = abi.decode(json.parseJson(text, ".indices"), (uint256[]));
        hashes = abi.decode(json.parseJson(text, ".hashes"), (bytes32[]));
        steps = abi.decode(json.parseJson(text, ".steps"), (uint256[]));
        proofs = abi.decode(json.parseJson(text, ".proofs"), (bytes[]));
        assertEq(indices.length, hashes.length, "one hash per index");
        assertEq(steps.length, proofs.length, "one proof per step");

        verifier = deployVerifier();
        market = new JobMarket(verifier, degree, CLOCK, BURN_BPS);
        address[5] memory actors = [submitter, executor, executor2, watcher, stranger];
        for (uint256 i = 0; i < actors.length; i++) {
            vm.deal(actors[i], 100 ether);
        }
        vm.warp(1_800_000_000);
    }

    // ---- the scenarios ----

    /// The vectors join: the real verifier takes each written step from its true pre-state
    /// to its true post-state.
    function test_proofsFollowTheTrueTrace() public view {
        for (uint256 j = 0; j < steps.length; j++) {
            uint64 t = uint64(steps[j]);
            assertEq(verifier.verifyStep(_true(t), proofs[j]), _true(t + 1), "proof of a written step");
        }
        assertEq(_true(0), initialHash, "index 0 is the initial state");
        assertEq(_true(n), honestFinal, "index N is the honest final state");
        assertEq(keccak256(honestHeader), honestFinal, "the honest header opens the final state");
        assertEq(keccak256(lieHeader), lieFinal, "the lying header opens the lie");
    }

    /// A liar claims the true trace but a wrong exit code: the honest watcher's game narrows
    /// to the last step, the real proof refutes it, the executor is slashed and the watcher
    /// paid; the reopened job then goes to an honest executor whose result stands.
    function test_lyingFinalHeaderIsRefutedAtTheLastStep() public {
        uint64 jobId = _postJob();
        _post(jobId, executor, lieHeader);
        claimedFinal = lieFinal;
        uint256 gameId = _challenge(jobId);

        uint64 endedAt = _play(gameId, Choice.FirstWrong);
        assertEq(endedAt, n - 1, "the disagreement is the last step");
        _prove(gameId, endedAt);

        _assertRejected(jobId, gameId);
        _honestExecutorFinalizes(jobId);
    }

    /// A liar makes hashes up from a third of the trace on: the watcher's game narrows to
    /// the step into that index, where the real proof gives the true hash.
    function test_midTraceLiarIsRefutedWhereItStartsLying() public {
        uint64 jobId = _postJob();
        _post(jobId, executor, lieHeader);
        claimedFinal = lieFinal;
        liesFrom = lieFrom;
        uint256 gameId = _challenge(jobId);

        uint64 endedAt = _play(gameId, Choice.FirstWrong);
        assertEq(endedAt, lieFrom - 1, "the disagreement is the step into the first lie");
        _prove(gameId, endedAt);

        _assertRejected(jobId, gameId);
    }

    /// An honest executor against a lying challenger that disputes the last step: the real
    /// proof of that step confirms the claim, a tampered proof is rejected, and the
    /// challenger's clock runs out; its bond goes to the executor, whose result stands.
    function test_honestResultSurvivesLyingChallengerAtTheLastStep() public {
        _honestSurvives(Choice.Last, n - 1);
    }

    /// The same against a challenger that disputes the first step.
    function test_honestResultSurvivesLyingChallengerAtTheFirstStep() public {
        _honestSurvives(Choice.First, 0);
    }

    // ---- scenario parts ----

    function _honestSurvives(Choice choice, uint64 expectedStep) private {
        uint64 jobId = _postJob();
        _post(jobId, executor, honestHeader);
        claimedFinal = honestFinal;
        uint256 gameId = _challenge(jobId);

        uint64 endedAt = _play(gameId, choice);
        assertEq(endedAt, expectedStep, "the game ends at the chosen step");
        bytes memory proof = proofs[_stepPosition(endedAt)];
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGames.StepConfirmsClaim.selector, gameId, _true(endedAt + 1))
        );
        vm.prank(watcher);
        market.proveStep(gameId, endedAt, _true(endedAt), _true(endedAt + 1), proof);
        // a tampered proof: the verifier rejects it or it proves another pre-state
        proof[proof.length / 2] ^= 0x01;
        vm.prank(watcher);
        (bool ok,) = address(market).call(
            abi.encodeCall(market.proveStep, (gameId, endedAt, _true(endedAt), _true(endedAt + 1), proof))
        );
        assertFalse(ok, "a tampered proof does not win");

        vm.warp(block.timestamp + market.timeLeft(gameId) + 1);
        vm.prank(stranger);
        market.timeout(gameId);
        assertEq(uint8(market.getGame(gameId).outcome), uint8(DisputeGames.Outcome.ExecutorWon), "executor won");
        uint256 share = CHALLENGER_BOND - (uint256(CHALLENGER_BOND) * BURN_BPS) / 10_000;
        assertEq(market.owed(executor), share, "the executor gets the challenger's bond less the burn");
        assertEq(market.owed(watcher), 0, "the lying challenger gets nothing");

        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        assertEq(uint8(market.getJob(jobId).state), uint8(JobMarket.JobState.Finalized), "the result stands");
        assertEq(market.owed(executor), share + FEE + EXECUTOR_BOND, "fee and bond paid");
        _withdraw(executor, share + FEE + EXECUTOR_BOND);
    }

    function _assertRejected(uint64 jobId, uint256 gameId) private {
        assertEq(uint8(market.getGame(gameId).outcome), uint8(DisputeGames.Outcome.ChallengerWon), "challenger won");
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(uint8(job.state), uint8(JobMarket.JobState.Open), "the job reopens");
        assertEq(job.attempt, 1, "a new attempt");
        uint256 reward = EXECUTOR_BOND - (uint256(EXECUTOR_BOND) * BURN_BPS) / 10_000;
        assertEq(market.owed(watcher), CHALLENGER_BOND + reward, "bond back and the executor's bond less the burn");
        assertEq(market.owed(executor), 0, "the liar is slashed");
        _withdraw(watcher, CHALLENGER_BOND + reward);
    }

    function _honestExecutorFinalizes(uint64 jobId) private {
        _post(jobId, executor2, honestHeader);
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        assertEq(market.getResult(jobId).finalStateHash, honestFinal, "the true result stands");
        assertEq(market.getResult(jobId).exitCode, int32(3), "exit_code exits with 3");
        _withdraw(executor2, FEE + EXECUTOR_BOND);
    }

    function _withdraw(address who, uint256 amount) private {
        uint256 before = who.balance;
        vm.prank(who);
        market.withdraw(payable(who));
        assertEq(who.balance - before, amount, "withdrawn");
        assertEq(market.owed(who), 0, "nothing left owed");
    }

    // ---- the market ----

    function _postJob() private returns (uint64 jobId) {
        JobMarket.JobSpec memory spec = JobMarket.JobSpec({
            initialStateHash: initialHash,
            moduleHash: keccak256("fixtures/exit_code/exit_code.wasm"),
            inputHash: keccak256("fixtures/exit_code/args.json"),
            maxSteps: maxSteps,
            executorBond: EXECUTOR_BOND,
            challengerBond: CHALLENGER_BOND,
            claimWindow: WINDOW,
            executionWindow: WINDOW,
            challengePeriod: CHALLENGE_PERIOD
        });
        vm.prank(submitter);
        jobId = market.postJob{value: FEE}(spec);
    }

    function _post(uint64 jobId, address who, bytes memory header) private {
        vm.prank(who);
        market.claimJob{value: EXECUTOR_BOND}(jobId);
        vm.prank(who);
        market.postResult(jobId, keccak256(header), n, header);
    }

    function _challenge(uint64 jobId) private returns (uint256 gameId) {
        vm.prank(watcher);
        gameId = market.challenge{value: CHALLENGER_BOND}(jobId);
    }

    function _prove(uint256 gameId, uint64 t) private {
        bytes32 post = verifier.verifyStep(_true(t), proofs[_stepPosition(t)]);
        assertEq(post, _true(t + 1), "the real step leads to the true hash");
        vm.prank(watcher);
        market.proveStep(gameId, t, _true(t), _defenderHash(t + 1), proofs[_stepPosition(t)]);
    }

    // ---- playing ----

    /// Plays the dissection until one step is left: the executor defends with
    /// `_defenderHash`, the watcher picks by `choice`. Returns the step's start index.
    function _play(uint256 gameId, Choice choice) private returns (uint64) {
        (uint64 start, uint64 length) = (0, n);
        (bytes32 startHash, bytes32 endHash) = (initialHash, claimedFinal);
        for (uint256 round = 0; length > 1; round++) {
            require(round < 64, "the game does not narrow");
            assertEq(uint8(market.getGame(gameId).turn), uint8(DisputeGames.Turn.Defender), "defender to move");
            uint256 segments = length < degree ? length : degree;
            bytes32[] memory list = new bytes32[](segments + 1);
            bytes32[] memory middle = new bytes32[](segments - 1);
            (list[0], list[segments]) = (startHash, endHash);
            for (uint256 j = 1; j < segments; j++) {
                list[j] = _defenderHash(_boundary(start, length, segments, j));
                middle[j - 1] = list[j];
            }
            vm.prank(executor);
            market.bisect(gameId, start, length, startHash, endHash, middle);

            uint256 index = _pick(choice, start, length, list);
            vm.prank(watcher);
            market.choose(gameId, start, length, list, index);
            uint64 from = _boundary(start, length, segments, index);
            uint64 to = _boundary(start, length, segments, index + 1);
            (start, length, startHash, endHash) = (from, to - from, list[index], list[index + 1]);
        }
        assertEq(uint8(market.getGame(gameId).turn), uint8(DisputeGames.Turn.Step), "one step left");
        return start;
    }

    function _pick(Choice choice, uint64 start, uint64 length, bytes32[] memory list) private view returns (uint256) {
        uint256 segments = list.length - 1;
        if (choice == Choice.First) return 0;
        if (choice == Choice.Last) return segments - 1;
        for (uint256 j = 0; j < segments; j++) {
            if (list[j + 1] != _true(_boundary(start, length, segments, j + 1))) return j;
        }
        revert("an honest watcher finds nothing wrong");
    }

    function _defenderHash(uint64 i) private view returns (bytes32) {
        if (i == n) return claimedFinal;
        if (i >= liesFrom) return keccak256(abi.encodePacked("lie", i));
        return _true(i);
    }

    /// The true state hash at trace index `i`; the vectors hold every index these games ask for.
    function _true(uint64 i) private view returns (bytes32) {
        for (uint256 j = 0; j < indices.length; j++) {
            if (indices[j] == i) return hashes[j];
        }
        revert(string.concat("no true hash at index ", vm.toString(uint256(i))));
    }

    function _stepPosition(uint64 t) private view returns (uint256) {
        for (uint256 j = 0; j < steps.length; j++) {
            if (steps[j] == t) return j;
        }
        revert(string.concat("no proof of step ", vm.toString(uint256(t))));
    }

    function _boundary(uint64 start, uint64 length, uint256 segments, uint256 j) private pure returns (uint64) {
        // j <= segments, so the quotient is at most `length`, a uint64.
        // forge-lint: disable-next-line(unsafe-typecast)
        return start + uint64((uint256(length) * j) / segments);
    }
}
