// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {MarketBase} from "./MarketBase.sol";
import {DisputeGames} from "../../src/market/DisputeGames.sol";
import {JobMarket} from "../../src/market/JobMarket.sol";

/// Properties over random games (fuzzed trace lengths, k, lie positions, strategies) and
/// the gas measurements of docs/dispute-protocol.md.
contract DisputeInvariantsTest is MarketBase {
    /// Whoever is honest wins; the game ends within ceil(log_k N) defender moves and
    /// ceil(log_k N) + 2 challenger moves; the market always holds exactly what it owes,
    /// and once everything is settled and withdrawn it holds nothing.
    function testFuzz_honestSideWinsWithinTheMoveBound(
        uint64 haltSeed,
        uint64 extraSeed,
        uint8 degreeSeed,
        uint64 lieSeed,
        bool executorHonest,
        uint256 seed
    ) public {
        uint64 haltAt = 1 + haltSeed % (uint64(1) << 40);
        uint64 maxSteps = haltAt + extraSeed % 1000;
        _deploy(2 + degreeSeed % 63, maxSteps, haltAt);
        uint64 jobId = _postJob();
        uint256 gameId;
        Tally memory tally;
        if (executorHonest) {
            // Any trace index from the halt to maxSteps + 1 names the true final state.
            uint64 length = haltAt + uint64(seed % (maxSteps + 2 - haltAt));
            _postHonest(jobId, executor, length);
            gameId = _challenge(jobId, watcher);
            tally = _playGame(gameId, watcher, Play.Random, false, seed);
            assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ExecutorWon));
        } else {
            uint64 length = 1 + uint64(seed % (maxSteps + 1));
            uint64 from = 1 + lieSeed % length;
            uint64 steps = length <= haltAt ? length : haltAt;
            _postLie(jobId, executor, length, from, machine.header(steps, 1, 99, "hello"));
            gameId = _challenge(jobId, watcher);
            tally = _playGame(gameId, watcher, Play.Honest, false, seed);
            assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ChallengerWon));
        }
        uint256 rounds = _rounds(claimedLength, degree);
        assertTrue(tally.defenderMoves <= rounds, "defender moves <= ceil(log_k N)");
        assertTrue(tally.challengerMoves <= rounds + 2, "challenger moves <= ceil(log_k N) + 2");
        _assertSolvent();

        if (!executorHonest) _postHonest(jobId, executor2, machine.firstHalted());
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        _drain();
        assertEq(address(market).balance, 0, "no funds stuck");
    }

    /// Solvency through every transition of a busy job: claims forfeited, results
    /// rejected, parallel and stale games, finalization.
    function test_solventThroughEveryTransition() public {
        uint64 jobId = _postJob();
        uint64 other = _postJob();
        _assertSolvent();
        _claim(jobId, executor);
        _assertSolvent();
        vm.warp(block.timestamp + EXECUTION_WINDOW + 1);
        market.forfeitClaim(jobId);
        market.refund(other);
        _assertSolvent();
        _postLie(jobId, executor, 600, 42, _wrongFinal(600));
        uint256 a = _challenge(jobId, watcher);
        uint256 b = _challenge(jobId, watcher2);
        _assertSolvent();
        _playGame(a, watcher, Play.Honest, false, 0);
        _assertSolvent();
        market.closeStaleGame(b);
        _assertSolvent();
        _postHonest(jobId, executor2, 600);
        uint256 c = _challenge(jobId, watcher);
        _playGame(c, watcher, Play.Random, false, 4);
        _assertSolvent();
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        _drain();
        assertEq(address(market).balance, 0);
    }

    /// The target: a dispute over 2^32 steps at k = 16 ends within 12 moves per party,
    /// each dissection move within 80,000 gas (transaction gas: 21,000 + calldata +
    /// execution). The executor lies from the middle; the watcher plays honestly.
    function test_gasOfADisputeOver2pow32StepsAtK16() public {
        Tally memory tally = _dispute2pow32(16);
        _report(16, tally);
        assertTrue(tally.defenderMoves <= 12 && tally.challengerMoves <= 12, "12 moves per party");
        assertEq(tally.defenderMoves, 8);
        assertEq(tally.challengerMoves, 10); // challenge + 8 choices + the step
        assertTrue(tally.maxBisectTxGas <= 80_000, "bisect <= 80,000 gas");
        assertTrue(tally.maxChooseTxGas <= 80_000, "choose <= 80,000 gas");
    }

    /// The measurement behind the default k (docs/dispute-protocol.md#parameters).
    function test_gasByDegree() public {
        uint256[6] memory degrees = [uint256(2), 4, 8, 16, 32, 64];
        for (uint256 i = 0; i < degrees.length; i++) {
            Tally memory tally = _dispute2pow32(degrees[i]);
            _report(degrees[i], tally);
            assertEq(tally.defenderMoves, _rounds(uint256(1) << 32, degrees[i]));
        }
    }

    function _dispute2pow32(uint256 k) private returns (Tally memory tally) {
        uint64 n = uint64(1) << 32;
        _deploy(k, n, n);
        uint64 jobId = _postJob();
        _postLie(jobId, executor, n, (n >> 1) + 12_345, _wrongFinal(n));
        uint256 gameId = _challenge(jobId, watcher);
        tally = _playGame(gameId, watcher, Play.Honest, false, 0);
        assertEq(uint256(market.getGame(gameId).outcome), uint256(DisputeGames.Outcome.ChallengerWon));
    }

    function _report(uint256 k, Tally memory tally) private {
        emit log_named_uint("k", k);
        emit log_named_uint("  defender moves", tally.defenderMoves);
        emit log_named_uint("  challenger moves (challenge and step included)", tally.challengerMoves);
        emit log_named_uint("  max bisect execution gas", tally.maxBisectGas);
        emit log_named_uint("  max bisect transaction gas", tally.maxBisectTxGas);
        emit log_named_uint("  max choose execution gas", tally.maxChooseGas);
        emit log_named_uint("  max choose transaction gas", tally.maxChooseTxGas);
        emit log_named_uint("  step execution gas (test verifier)", tally.stepGas);
        emit log_named_uint("  dissection transaction gas, whole dispute (bisect+choose+step)", tally.totalTxGas);
    }
}
