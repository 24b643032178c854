// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {MarketBase} from "./MarketBase.sol";
import {DisputeGames} from "../../src/market/DisputeGames.sol";
import {JobMarket} from "../../src/market/JobMarket.sol";
import {SyntheticMachine} from "./SyntheticMachine.sol";

/// Every move and revert of the dissection game, and the adversarial scenarios: whoever
/// is honest wins, whatever the other side does. The machine runs 600 steps (maxSteps
/// 1000) unless a test redeploys; k = 16.
contract DisputeGameTest is MarketBase {
    // ---- move-by-move reverts ----

    function test_bisectReverts() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 300, _wrongFinal(600));
        uint256 gameId = _challenge(jobId, watcher);
        bytes32[] memory list = _dissect(0, 600, machine.stateHash(0), claimedFinal);
        bytes32[] memory middle = _middle(list);
        bytes32 start = machine.stateHash(0);

        vm.expectRevert(abi.encodeWithSelector(DisputeGames.NoSuchGame.selector, uint256(99)));
        market.bisect(99, 0, 600, start, claimedFinal, middle);
        vm.prank(watcher);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.NotYourMove.selector, gameId, executor));
        market.bisect(gameId, 0, 600, start, claimedFinal, middle);
        vm.startPrank(executor);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongRange.selector, gameId));
        market.bisect(gameId, 1, 599, start, claimedFinal, middle);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongRange.selector, gameId));
        market.bisect(gameId, 0, 600, start, keccak256("other end"), middle);
        bytes32[] memory short = middle.slice(14);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongSegmentCount.selector, uint256(14), uint256(15)));
        market.bisect(gameId, 0, 600, start, claimedFinal, short);
        // The challenger's moves are not the defender's to make.
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongTurn.selector, gameId, DisputeGames.Turn.Defender));
        market.choose(gameId, 0, 600, list, 0);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongTurn.selector, gameId, DisputeGames.Turn.Defender));
        market.proveStep(gameId, 0, start, claimedFinal, "");
        market.bisect(gameId, 0, 600, start, claimedFinal, middle);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongTurn.selector, gameId, DisputeGames.Turn.Challenger));
        market.bisect(gameId, 0, 600, start, claimedFinal, middle);
        vm.stopPrank();
        assertEq(uint256(market.getGame(gameId).turn), uint256(DisputeGames.Turn.Challenger));
        assertEq(market.getGame(gameId).root, keccak256(abi.encodePacked(uint64(0), uint64(600), list)));
    }

    function test_chooseReverts() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 300, _wrongFinal(600));
        uint256 gameId = _challenge(jobId, watcher);
        bytes32 start = machine.stateHash(0);
        bytes32[] memory list = _dissect(0, 600, start, claimedFinal);
        vm.prank(executor);
        market.bisect(gameId, 0, 600, start, claimedFinal, _middle(list));

        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.NotYourMove.selector, gameId, watcher));
        market.choose(gameId, 0, 600, list, 0);
        vm.startPrank(watcher);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongSegmentCount.selector, uint256(16), uint256(17)));
        market.choose(gameId, 0, 600, list.slice(16), 0);
        bytes32[] memory forged = list.slice(17);
        forged[5] = keccak256("forged");
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongRange.selector, gameId));
        market.choose(gameId, 0, 600, forged, 4);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.BadSegmentIndex.selector, uint256(16), uint256(16)));
        market.choose(gameId, 0, 600, list, 16);
        market.choose(gameId, 0, 600, list, 7); // boundaries 262 .. 300
        vm.stopPrank();
        DisputeGames.Game memory game = market.getGame(gameId);
        assertEq(uint256(game.turn), uint256(DisputeGames.Turn.Defender));
        assertEq(game.root, keccak256(abi.encodePacked(uint64(262), uint64(38), list[7], list[8])));
    }

    function test_proveStepReverts() public {
        _deploy(16, 1000, 1); // one step: the game opens at the step turn
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 1, 1, _wrongFinal(1));
        uint256 gameId = _challenge(jobId, watcher);
        assertEq(uint256(market.getGame(gameId).turn), uint256(DisputeGames.Turn.Step));
        bytes32 start = machine.stateHash(0);
        bytes memory proof = machine.headerAt(0);
        bytes memory otherProof = machine.headerAt(1);
        bytes32 truePost = machine.stateHash(1);

        vm.startPrank(watcher);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongRange.selector, gameId));
        market.proveStep(gameId, 0, start, truePost, proof);
        vm.expectRevert(
            abi.encodeWithSelector(SyntheticMachine.PreStateMismatch.selector, start, keccak256(otherProof))
        );
        market.proveStep(gameId, 0, start, claimedFinal, otherProof);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.WrongTurn.selector, gameId, DisputeGames.Turn.Step));
        market.choose(gameId, 0, 1, new bytes32[](2), 0);
        market.proveStep(gameId, 0, start, claimedFinal, proof);
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGames.GameOver.selector, gameId, DisputeGames.Outcome.ChallengerWon)
        );
        market.proveStep(gameId, 0, start, claimedFinal, proof);
        vm.stopPrank();
    }

    function test_aTrueStepCannotBeRefuted() public {
        _deploy(16, 1000, 1);
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 1);
        uint256 gameId = _challenge(jobId, watcher);
        bytes32 start = machine.stateHash(0);
        bytes memory proof = machine.headerAt(0);
        vm.prank(watcher);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.StepConfirmsClaim.selector, gameId, claimedFinal));
        market.proveStep(gameId, 0, start, claimedFinal, proof);
        _timeOut(gameId);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
    }

    function test_clocksAndTimeouts() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 300, _wrongFinal(600));
        uint256 gameId = _challenge(jobId, watcher);
        bytes32 start = machine.stateHash(0);
        bytes32[] memory list = _dissect(0, 600, start, claimedFinal);

        vm.warp(block.timestamp + 1 days);
        assertEq(market.timeLeft(gameId), CLOCK - 1 days);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.ClockRunning.selector, gameId, CLOCK - 1 days));
        market.timeout(gameId);
        vm.prank(executor);
        market.bisect(gameId, 0, 600, start, claimedFinal, _middle(list));
        DisputeGames.Game memory game = market.getGame(gameId);
        assertEq(uint256(game.defenderClock), CLOCK - 1 days, "the defender paid for its day");
        assertEq(uint256(game.challengerClock), CLOCK, "the challenger's clock did not run");

        vm.warp(block.timestamp + CLOCK); // exactly the whole clock: still allowed
        vm.prank(watcher);
        market.choose(gameId, 0, 600, list, 7);
        assertEq(uint256(market.getGame(gameId).challengerClock), 0);

        // The defender has 2 days left; after them it can no longer move, anyone ends the game.
        vm.warp(block.timestamp + 2 days + 1);
        bytes32[] memory sub = _dissect(262, 38, list[7], list[8]);
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.ClockExpired.selector, gameId, 2 days + 1, 2 days));
        market.bisect(gameId, 262, 38, list[7], list[8], _middle(sub));
        assertEq(market.timeLeft(gameId), 0);
        vm.prank(stranger);
        market.timeout(gameId);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ChallengerWon));
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGames.GameOver.selector, gameId, DisputeGames.Outcome.ChallengerWon)
        );
        market.timeout(gameId);
    }

    function test_staleGamesAreClosedAndRefunded() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 300, _wrongFinal(600));
        uint256 first = _challenge(jobId, watcher);
        uint256 second = _challenge(jobId, watcher2);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.NotStale.selector, second));
        market.closeStaleGame(second);
        _playGame(first, watcher, Play.Honest, false, 0);
        assertEq(uint256(market.getGame(first).outcome), uint256(DisputeGames.Outcome.ChallengerWon));

        bytes32 start = machine.stateHash(0);
        bytes32[] memory middle = _middle(_dissect(0, 600, start, claimedFinal));
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.StaleGame.selector, second));
        market.bisect(second, 0, 600, start, claimedFinal, middle);
        vm.warp(block.timestamp + CLOCK + 1);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.StaleGame.selector, second));
        market.timeout(second);
        vm.expectRevert(
            abi.encodeWithSelector(DisputeGames.GameOver.selector, first, DisputeGames.Outcome.ChallengerWon)
        );
        market.closeStaleGame(first);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.NoSuchGame.selector, uint256(77)));
        market.closeStaleGame(77);

        _assertSolvent();
        vm.prank(stranger);
        market.closeStaleGame(second);
        assertEq(uint256(market.getGame(second).outcome), uint256(DisputeGames.Outcome.Cancelled));
        assertEq(market.owed(watcher2), CHALLENGER_BOND, "the late challenger gets its bond back");
        _assertSolvent();
    }

    // ---- the executor lies ----

    function test_executorLyingAtTheFirstStepLoses() public {
        _lieAndLose(1);
    }

    function test_executorLyingAtAMiddleStepLoses() public {
        _lieAndLose(300);
    }

    function test_executorLyingAtTheLastStepLoses() public {
        _lieAndLose(600);
    }

    function _lieAndLose(uint64 from) private {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, from, _wrongFinal(600));
        uint256 gameId = _challenge(jobId, watcher);
        Tally memory tally = _playGame(gameId, watcher, Play.Honest, false, 0);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ChallengerWon));
        _assertMoveBound(tally, 600);
        _assertRejectedAndPaid(jobId, watcher);
        _reexecuteAndFinalize(jobId);
    }

    function test_executorHaltingEarlyLoses() public {
        uint64 jobId = _postJob();
        // Claims the machine exited at step 300 (it is still running there).
        _postLie(jobId, executor, 300, 300, machine.header(300, 1, 7, "hello"));
        uint256 gameId = _challenge(jobId, watcher);
        _assertMoveBound(_playGame(gameId, watcher, Play.Honest, false, 0), 300);
        _assertRejectedAndPaid(jobId, watcher);
    }

    function test_executorLyingAboutTheStepCountLoses() public {
        uint64 jobId = _postJob();
        // The right exit code and output, but a header claiming 599 steps.
        _postLie(jobId, executor, 600, 600, machine.header(599, 1, 7, "hello"));
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Honest, false, 0);
        _assertRejectedAndPaid(jobId, watcher);
    }

    function test_executorClaimingOutOfStepsForAnExitLoses() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 1001, 600, machine.header(1000, 3, 0, ""));
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Honest, false, 0);
        _assertRejectedAndPaid(jobId, watcher);
    }

    function test_executorClaimingOutOfStepsOneStepEarlyLoses() public {
        _deploy(16, 1000, 5000); // never exits: running at index 1000, out of steps from 1001
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 1000, 1000, machine.header(1000, 3, 0, ""));
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Honest, false, 0);
        _assertRejectedAndPaid(jobId, watcher);
    }

    function test_executorThatStallsLoses() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600); // even a true result is lost by not defending it
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Random, true, 0);
        _assertRejectedAndPaid(jobId, watcher);
    }

    // ---- the challenger lies ----

    function test_lyingChallengerLosesWhateverItPicks() public {
        for (uint256 seed = 0; seed < 4; seed++) {
            uint64 jobId = _postJob();
            _postHonest(jobId, executor, 600);
            uint256 gameId = _challenge(jobId, watcher);
            Tally memory tally = _playGame(gameId, watcher, Play.Random, false, seed);
            assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
            _assertMoveBound(tally, 600);
            vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
            market.finalize(jobId);
        }
        // Four lost challenger bonds, each half burned.
        assertEq(market.owed(executor), 4 * (uint256(FEE) + EXECUTOR_BOND + CHALLENGER_BOND / 2));
        _drain();
        assertEq(address(market).balance, 0);
    }

    function test_challengerThatStallsLoses() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Stall, false, 0);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
        assertEq(market.owed(executor), CHALLENGER_BOND / 2);
        assertEq(uint256(market.getJob(jobId).openGames), 0);
        _assertSolvent();
    }

    function test_trueResultPastTheHaltWins() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 1001); // any index from the halt on names the same state
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Random, false, 3);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
    }

    function test_trueOutOfStepsResultWins() public {
        _deploy(16, 1000, 5000);
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 1001);
        assertEq(uint256(market.getResult(jobId).status), 3);
        uint256 gameId = _challenge(jobId, watcher);
        _playGame(gameId, watcher, Play.Random, false, 5);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
    }

    // ---- many challengers ----

    function test_manyChallengersAgainstATrueResultAllLose() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint256[] memory games = new uint256[](5);
        address[] memory challengers = new address[](5);
        for (uint256 i = 0; i < 5; i++) {
            challengers[i] = i % 2 == 0 ? watcher : watcher2;
            games[i] = _challenge(jobId, challengers[i]);
        }
        assertEq(uint256(market.getJob(jobId).openGames), 5);
        Tally[] memory tallies = _playGames(games, challengers, Play.Random, false, 17);
        for (uint256 i = 0; i < 5; i++) {
            assertEq(uint256(market.getGame(games[i]).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
            _assertMoveBound(tallies[i], 600);
        }
        _assertSolvent();
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        assertEq(market.owed(executor), uint256(FEE) + EXECUTOR_BOND + 5 * (CHALLENGER_BOND / 2));
        _drain();
        assertEq(address(market).balance, 0);
    }

    /// Several honest challengers race; the second copies the first's moves (front-running
    /// its final proof). Whoever proves first takes the bounty; the rest are refunded.
    function test_manyChallengersAgainstALieFirstWinnerTakesTheBounty() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 450, _wrongFinal(600));
        uint256 slow = _challenge(jobId, watcher);
        uint256 fast = _challenge(jobId, watcher2);
        // Both play the same moves in parallel (the copier reads them from the events); the
        // copier's game was opened second but its final proof lands first.
        uint256[] memory games = new uint256[](2);
        address[] memory challengers = new address[](2);
        (games[0], games[1]) = (fast, slow);
        (challengers[0], challengers[1]) = (watcher2, watcher);
        _playGames(games, challengers, Play.Honest, false, 0);
        assertEq(uint256(market.getGame(fast).outcome), uint256(DisputeGames.Outcome.ChallengerWon));
        assertEq(uint256(market.getGame(slow).outcome), uint256(DisputeGames.Outcome.Open));
        _assertRejectedAndPaid(jobId, watcher2);
        vm.prank(stranger);
        market.closeStaleGame(slow);
        assertEq(market.owed(watcher), CHALLENGER_BOND);
        _reexecuteAndFinalize(jobId);
    }

    // ---- self-challenge and griefing ----

    /// An executor that challenges its own true result (to delay it) loses the burn.
    function test_selfChallengeCostsTheBurn() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint256 gameId = _challenge(jobId, executor2); // executor2: the executor's sybil
        _playGame(gameId, executor2, Play.Random, false, 9);
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        uint256 paidIn = uint256(EXECUTOR_BOND) + CHALLENGER_BOND;
        uint256 paidOut = market.owed(executor) + market.owed(executor2);
        assertEq(paidIn + FEE - paidOut, CHALLENGER_BOND / 2, "the pair lost exactly the burned half");
    }

    /// A lying executor whose sybil wins the race against an honest watcher recovers
    /// only the unburned half of its bond: lying still costs the burn.
    function test_lyingExecutorRacingWithASybilStillLosesTheBurn() public {
        uint64 jobId = _postJob();
        _postLie(jobId, executor, 600, 100, _wrongFinal(600));
        uint256 honest = _challenge(jobId, watcher);
        uint256 sybil = _challenge(jobId, executor2);
        _playGame(sybil, executor2, Play.Honest, false, 0);
        market.closeStaleGame(honest);
        uint256 sybilProfit = market.owed(executor2) - CHALLENGER_BOND;
        assertEq(EXECUTOR_BOND - sybilProfit, EXECUTOR_BOND / 2, "the executor lost half its bond");
        assertEq(market.owed(watcher), CHALLENGER_BOND, "the honest watcher loses nothing");
    }

    /// Griefing moves by strangers and parties: nothing but the right move by the right
    /// party at the right time changes a game.
    function test_griefingMovesChangeNothing() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint256 gameId = _challenge(jobId, watcher);
        bytes32 rootBefore = market.getGame(gameId).root;
        bytes32 start = machine.stateHash(0);
        bytes32[] memory list = _dissect(0, 600, start, claimedFinal);
        vm.startPrank(stranger);
        (bool ok,) =
            address(market).call(abi.encodeCall(market.bisect, (gameId, 0, 600, start, claimedFinal, _middle(list))));
        assertFalse(ok);
        (ok,) = address(market).call(abi.encodeCall(market.choose, (gameId, 0, 600, list, 0)));
        assertFalse(ok);
        (ok,) = address(market).call(abi.encodeCall(market.proveStep, (gameId, 0, start, claimedFinal, "")));
        assertFalse(ok);
        (ok,) = address(market).call(abi.encodeCall(market.timeout, (gameId)));
        assertFalse(ok);
        (ok,) = address(market).call(abi.encodeCall(market.closeStaleGame, (gameId)));
        assertFalse(ok);
        vm.stopPrank();
        assertEq(market.getGame(gameId).root, rootBefore);
        // A front-runner cannot submit the challenger's winning proof as its own either:
        // moves are bound to the game's parties and pay only them.
        _playGame(gameId, watcher, Play.Random, false, 11);
        assertEq(market.owed(stranger), 0);
    }

    // ---- helpers ----

    function _assertMoveBound(Tally memory tally, uint256 n) private view {
        uint256 rounds = _rounds(n, degree);
        assertTrue(tally.defenderMoves <= rounds, "defender moves <= ceil(log_k N)");
        assertTrue(tally.challengerMoves <= rounds + 2, "challenger moves <= ceil(log_k N) + 2");
    }

    /// The result is rejected, the job reopened, the winner paid bond + half the executor's.
    function _assertRejectedAndPaid(uint64 jobId, address winner) private view {
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(uint256(job.state), uint256(JobMarket.JobState.Open), "reopened");
        assertEq(job.executor, address(0));
        assertEq(uint256(job.attempt), 1);
        assertEq(market.getResult(jobId).finalStateHash, bytes32(0));
        assertEq(market.owed(winner), uint256(CHALLENGER_BOND) + EXECUTOR_BOND / 2);
        assertEq(market.owed(market.BURN_ADDRESS()), EXECUTOR_BOND / 2);
        _assertSolvent();
    }

    /// Another executor posts the true result and is paid once the period is over.
    function _reexecuteAndFinalize(uint64 jobId) private {
        uint64 haltIndex = machine.firstHalted();
        _postHonest(jobId, executor2, haltIndex);
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        assertEq(market.owed(executor2), uint256(FEE) + EXECUTOR_BOND);
        _drain();
        assertEq(address(market).balance, 0, "no funds stuck");
    }
}

using ArraySlice for bytes32[];

library ArraySlice {
    /// The first `n` elements.
    function slice(bytes32[] memory list, uint256 n) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = list[i];
        }
    }
}
