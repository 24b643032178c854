// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {MarketBase} from "./MarketBase.sol";
import {DisputeGames} from "../../src/market/DisputeGames.sol";
import {IStepVerifier} from "../../src/market/IStepVerifier.sol";
import {JobMarket} from "../../src/market/JobMarket.sol";
import {Payouts} from "../../src/market/Payouts.sol";
import {StateHeader} from "../../src/market/StateHeader.sol";

/// Re-enters the market from its receive hook.
contract Reenterer {
    JobMarket private immutable market;
    bytes public lastRevert;

    constructor(JobMarket market_) {
        market = market_;
    }

    function claim(uint64 jobId) external payable {
        market.claimJob{value: msg.value}(jobId);
    }

    function post(uint64 jobId, bytes32 hash, uint64 length, bytes calldata header) external {
        market.postResult(jobId, hash, length, header);
    }

    function withdraw() external {
        market.withdraw(payable(address(this)));
    }

    receive() external payable {
        market.withdraw(payable(address(this))); // must fail: the guard is held
    }
}

/// Refuses every payment.
contract Refuser {
    receive() external payable {
        revert("no");
    }
}

/// Every job transition and every revert of the job market.
contract JobMarketTest is MarketBase {
    // ---- deployment ----

    function test_constructorRejectsBadParameters() public {
        vm.expectRevert(DisputeGames.NoVerifier.selector);
        new JobMarket(IStepVerifier(address(0)), 16, CLOCK, BURN_BPS);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.BadDegree.selector, uint256(1)));
        new JobMarket(machine, 1, CLOCK, BURN_BPS);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.BadDegree.selector, uint256(65)));
        new JobMarket(machine, 65, CLOCK, BURN_BPS);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.BadClock.selector, uint256(0)));
        new JobMarket(machine, 16, 0, BURN_BPS);
        vm.expectRevert(abi.encodeWithSelector(DisputeGames.BadClock.selector, uint256(1) << 40));
        new JobMarket(machine, 16, uint256(1) << 40, BURN_BPS);
        vm.expectRevert(abi.encodeWithSelector(Payouts.BurnTooHigh.selector, uint256(10_001)));
        new JobMarket(machine, 16, CLOCK, 10_001);
        JobMarket ok = new JobMarket(machine, 2, 1, 10_000);
        assertEq(ok.degree(), 2);
        assertEq(ok.burnBps(), 10_000);
        assertEq(market.DEFAULT_DEGREE(), 16);
    }

    // ---- postJob ----

    function test_postJobEscrowsTheFeeAndOpensTheJob() public {
        uint64 jobId = _postJob();
        assertEq(uint256(jobId), 1);
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(job.submitter, submitter);
        assertEq(uint256(job.fee), FEE);
        assertEq(uint256(job.state), uint256(JobMarket.JobState.Open));
        assertEq(uint256(job.deadline), block.timestamp + CLAIM_WINDOW);
        assertEq(job.spec.initialStateHash, machine.stateHash(0));
        assertEq(address(market).balance, FEE);
        _assertSolvent();
    }

    function test_postJobRejectsEachBadField() public {
        JobMarket.JobSpec memory spec = _spec();
        spec.initialStateHash = 0;
        _expectBadSpec(spec, "initialStateHash");
        spec = _spec();
        spec.maxSteps = 0;
        _expectBadSpec(spec, "maxSteps");
        spec.maxSteps = type(uint64).max;
        _expectBadSpec(spec, "maxSteps");
        spec = _spec();
        spec.executorBond = 0;
        _expectBadSpec(spec, "executorBond");
        spec = _spec();
        spec.challengerBond = 0;
        _expectBadSpec(spec, "challengerBond");
        spec = _spec();
        spec.claimWindow = 0;
        _expectBadSpec(spec, "claimWindow");
        spec = _spec();
        spec.executionWindow = 0;
        _expectBadSpec(spec, "executionWindow");
        spec = _spec();
        spec.challengePeriod = 0;
        _expectBadSpec(spec, "challengePeriod");
    }

    function test_postJobRejectsAFeeAboveUint96() public {
        uint256 fee = uint256(type(uint96).max) + 1;
        vm.deal(submitter, fee);
        JobMarket.JobSpec memory spec = _spec();
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.FeeTooLarge.selector, fee));
        market.postJob{value: fee}(spec);
    }

    // ---- refund ----

    function test_refundAfterTheClaimDeadline() public {
        uint64 jobId = _postJob();
        vm.expectRevert(
            abi.encodeWithSelector(JobMarket.TooEarly.selector, jobId, uint40(block.timestamp + CLAIM_WINDOW))
        );
        market.refund(jobId);
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        vm.prank(stranger);
        market.refund(jobId);
        assertEq(uint256(market.getJob(jobId).state), uint256(JobMarket.JobState.Refunded));
        assertEq(market.owed(submitter), FEE);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Refunded));
        market.refund(jobId);
        _drain();
        assertEq(address(market).balance, 0);
    }

    function test_unknownJobsRevert() public {
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NoSuchJob.selector, uint64(9)));
        market.refund(9);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NoSuchJob.selector, uint64(9)));
        market.claimJob(9);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NoSuchJob.selector, uint64(9)));
        market.finalize(9);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NoSuchJob.selector, uint64(9)));
        market.challenge(9);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, uint64(9), JobMarket.JobState.None));
        market.publishOutput(9, "");
    }

    // ---- claimJob ----

    function test_claimJobTakesTheBondAndStartsTheExecutionWindow() public {
        uint64 jobId = _postJob();
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongBond.selector, uint256(1 ether), uint256(EXECUTOR_BOND)));
        market.claimJob{value: 1 ether}(jobId);
        _claim(jobId, executor);
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(job.executor, executor);
        assertEq(uint256(job.state), uint256(JobMarket.JobState.Claimed));
        assertEq(uint256(job.deadline), block.timestamp + EXECUTION_WINDOW);
        // A second (front-running or late) claimer is turned away; its bond never leaves it.
        vm.prank(executor2);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Claimed));
        market.claimJob{value: EXECUTOR_BOND}(jobId);
        _assertSolvent();
    }

    function test_claimJobAfterTheClaimDeadlineReverts() public {
        uint64 jobId = _postJob();
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.TooLate.selector, jobId, uint40(block.timestamp - 1)));
        market.claimJob{value: EXECUTOR_BOND}(jobId);
    }

    // ---- postResult ----

    function test_postResultRecordsTheDecodedClaim() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        JobMarket.Result memory result = market.getResult(jobId);
        assertEq(result.finalStateHash, machine.stateHash(600));
        assertEq(uint256(result.traceLength), 600);
        assertEq(uint256(result.steps), 600);
        assertEq(uint256(result.status), 1);
        assertEq(int256(result.exitCode), 7);
        assertEq(uint256(result.trapCode), 0);
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(uint256(job.state), uint256(JobMarket.JobState.Posted));
        assertEq(uint256(job.deadline), block.timestamp + CHALLENGE_PERIOD);
        _assertSolvent();
    }

    function test_postResultReverts() public {
        uint64 jobId = _postJob();
        bytes memory header = machine.headerAt(600);
        bytes32 hash = keccak256(header);
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Open));
        market.postResult(jobId, hash, 600, header);
        _claim(jobId, executor);

        vm.prank(stranger); // only the claimer may post: a copied result cannot be front-run
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NotExecutor.selector, jobId, executor));
        market.postResult(jobId, hash, 600, header);

        bytes32 otherHash = machine.stateHash(599);
        vm.startPrank(executor);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.HeaderMismatch.selector, otherHash, hash));
        market.postResult(jobId, otherHash, 600, header);

        vm.expectRevert(abi.encodeWithSelector(StateHeader.HeaderLength.selector, uint256(421)));
        market.postResult(jobId, keccak256(new bytes(421)), 600, new bytes(421));

        // A running state is not a result.
        bytes memory running = machine.headerAt(599);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NotHalted.selector, uint8(0)));
        market.postResult(jobId, keccak256(running), 599, running);
        bytes memory unknownStatus = machine.header(600, 4, 0, "");
        vm.expectRevert(abi.encodeWithSelector(JobMarket.NotHalted.selector, uint8(4)));
        market.postResult(jobId, keccak256(unknownStatus), 600, unknownStatus);

        // Trace length: 1 .. maxSteps + 1, at least the header's steps.
        vm.expectRevert(abi.encodeWithSelector(JobMarket.BadTraceLength.selector, uint64(0), uint64(600), uint64(1000)));
        market.postResult(jobId, hash, 0, header);
        vm.expectRevert(
            abi.encodeWithSelector(JobMarket.BadTraceLength.selector, uint64(1002), uint64(600), uint64(1000))
        );
        market.postResult(jobId, hash, 1002, header);
        vm.expectRevert(
            abi.encodeWithSelector(JobMarket.BadTraceLength.selector, uint64(599), uint64(600), uint64(1000))
        );
        market.postResult(jobId, hash, 599, header);
        bytes memory tooManySteps = machine.header(1001, 3, 0, "");
        vm.expectRevert(
            abi.encodeWithSelector(JobMarket.BadTraceLength.selector, uint64(1001), uint64(1001), uint64(1000))
        );
        market.postResult(jobId, keccak256(tooManySteps), 1001, tooManySteps);

        // Any trace length from the halt on names the same (fixed-point) state.
        market.postResult(jobId, hash, 1001, header);
        vm.stopPrank();
    }

    function test_postResultAfterTheExecutionWindowReverts() public {
        uint64 jobId = _postJob();
        _claim(jobId, executor);
        uint40 deadline = uint40(block.timestamp + EXECUTION_WINDOW);
        vm.warp(block.timestamp + EXECUTION_WINDOW + 1);
        bytes memory header = machine.headerAt(600);
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.TooLate.selector, jobId, deadline));
        market.postResult(jobId, keccak256(header), 600, header);
    }

    // ---- forfeitClaim ----

    function test_forfeitClaimReopensAndPaysTheSubmitter() public {
        uint64 jobId = _postJob();
        _claim(jobId, executor);
        vm.expectRevert(
            abi.encodeWithSelector(JobMarket.TooEarly.selector, jobId, uint40(block.timestamp + EXECUTION_WINDOW))
        );
        market.forfeitClaim(jobId);
        vm.warp(block.timestamp + EXECUTION_WINDOW + 1);
        vm.prank(stranger);
        market.forfeitClaim(jobId);
        JobMarket.Job memory job = market.getJob(jobId);
        assertEq(uint256(job.state), uint256(JobMarket.JobState.Open));
        assertEq(job.executor, address(0));
        assertEq(uint256(job.attempt), 1);
        assertEq(uint256(job.deadline), block.timestamp + CLAIM_WINDOW);
        assertEq(market.owed(submitter), EXECUTOR_BOND / 2);
        assertEq(market.owed(market.BURN_ADDRESS()), EXECUTOR_BOND / 2);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Open));
        market.forfeitClaim(jobId);
        _assertSolvent();
        // Another executor takes over and is paid.
        _postHonest(jobId, executor2, 600);
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        assertEq(market.owed(executor2), uint256(FEE) + EXECUTOR_BOND);
        _drain();
        assertEq(address(market).balance, 0);
    }

    // ---- finalize ----

    function test_finalizeAfterTheChallengePeriodPaysFeeAndBond() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint40 deadline = uint40(block.timestamp + CHALLENGE_PERIOD);
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.TooEarly.selector, jobId, deadline));
        market.finalize(jobId);
        vm.warp(deadline + 1);
        vm.prank(stranger);
        market.finalize(jobId);
        assertEq(uint256(market.getJob(jobId).state), uint256(JobMarket.JobState.Finalized));
        assertEq(market.owed(executor), uint256(FEE) + EXECUTOR_BOND);
        assertEq(market.getResult(jobId).finalStateHash, machine.stateHash(600)); // readable on-chain
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Finalized));
        market.finalize(jobId);
        uint256 before = executor.balance;
        _drain();
        assertEq(executor.balance - before, uint256(FEE) + EXECUTOR_BOND);
        assertEq(address(market).balance, 0);
    }

    function test_finalizeWaitsForOpenGames() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        vm.warp(block.timestamp + CHALLENGE_PERIOD - 1 hours); // a late challenge
        uint256 gameId = _challenge(jobId, watcher);
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.GamesOpen.selector, jobId, uint32(1)));
        market.finalize(jobId);
        _playGame(gameId, watcher, Play.Random, false, 1);
        market.finalize(jobId);
        _assertSolvent();
    }

    // ---- challenge ----

    function test_challengeOpensAGame() public {
        uint64 jobId = _postJob();
        vm.prank(watcher);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongState.selector, jobId, JobMarket.JobState.Open));
        market.challenge{value: CHALLENGER_BOND}(jobId);
        _postHonest(jobId, executor, 600);
        vm.prank(watcher);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.WrongBond.selector, uint256(0), uint256(CHALLENGER_BOND)));
        market.challenge(jobId);
        uint256 gameId = _challenge(jobId, watcher);
        DisputeGames.Game memory game = market.getGame(gameId);
        assertEq(game.challenger, watcher);
        assertEq(uint256(game.bond), CHALLENGER_BOND);
        assertEq(uint256(game.jobId), jobId);
        assertEq(uint256(game.turn), uint256(DisputeGames.Turn.Defender));
        assertEq(uint256(game.defenderClock), CLOCK);
        assertEq(uint256(market.getJob(jobId).openGames), 1);
        _assertSolvent();
    }

    function test_challengeAfterThePeriodReverts() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        uint40 deadline = uint40(block.timestamp + CHALLENGE_PERIOD);
        vm.warp(deadline); // the last second still counts
        _challenge(jobId, watcher);
        vm.warp(deadline + 1);
        vm.prank(watcher2);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.TooLate.selector, jobId, deadline));
        market.challenge{value: CHALLENGER_BOND}(jobId);
    }

    // ---- data availability ----

    function test_publishOutputChecksTheDigest() public {
        uint64 jobId = _postJob();
        _postHonest(jobId, executor, 600);
        vm.expectRevert(
            abi.encodeWithSelector(
                JobMarket.OutputMismatch.selector, _digest("hellO"), market.getResult(jobId).outputDigest
            )
        );
        market.publishOutput(jobId, "hellO");
        vm.expectEmit(true, false, false, true, address(market));
        emit JobMarket.OutputPublished(jobId, "hello");
        market.publishOutput(jobId, "hello");
    }

    function test_publishBlobEmitsItsHash() public {
        vm.expectEmit(true, false, false, true, address(market));
        emit JobMarket.BlobPublished(keccak256("module bytes"), "module bytes");
        market.publishBlob("module bytes");
    }

    // ---- payouts ----

    function test_withdrawRevertsWhenNothingIsOwed() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Payouts.NothingOwed.selector, stranger));
        market.withdraw(payable(stranger));
        vm.expectRevert(abi.encodeWithSelector(Payouts.NothingOwed.selector, market.BURN_ADDRESS()));
        market.flushBurned();
    }

    function test_withdrawToAnotherAddress() public {
        uint64 jobId = _postJob();
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        market.refund(jobId);
        vm.prank(submitter);
        market.withdraw(payable(stranger));
        assertEq(stranger.balance, 1_000 ether + FEE);
        assertEq(market.owed(submitter), 0);
    }

    function test_withdrawCannotBeReentered() public {
        Reenterer attacker = new Reenterer(market);
        vm.deal(address(attacker), 10 ether);
        uint64 jobId = _postJob();
        attacker.claim{value: EXECUTOR_BOND}(jobId);
        attacker.post(jobId, machine.stateHash(600), 600, machine.headerAt(600));
        actors.push(address(attacker));
        vm.warp(block.timestamp + CHALLENGE_PERIOD + 1);
        market.finalize(jobId);
        // The nested withdraw hits the guard, so the payment fails and the whole call reverts.
        vm.expectRevert(
            abi.encodeWithSelector(Payouts.TransferFailed.selector, address(attacker), uint256(FEE) + EXECUTOR_BOND)
        );
        attacker.withdraw();
        assertEq(market.owed(address(attacker)), uint256(FEE) + EXECUTOR_BOND); // still owed, not lost
        _assertSolvent();
    }

    function test_aRefusingRecipientKeepsItsBalance() public {
        Refuser refuser = new Refuser();
        uint64 jobId = _postJob();
        vm.warp(block.timestamp + CLAIM_WINDOW + 1);
        market.refund(jobId);
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(Payouts.TransferFailed.selector, address(refuser), uint256(FEE)));
        market.withdraw(payable(address(refuser)));
        assertEq(market.owed(submitter), FEE);
        vm.prank(submitter);
        market.withdraw(payable(submitter));
        assertEq(address(market).balance, 0);
    }

    function test_flushBurnedSendsToTheBurnAddress() public {
        uint64 jobId = _postJob();
        _claim(jobId, executor);
        vm.warp(block.timestamp + EXECUTION_WINDOW + 1);
        market.forfeitClaim(jobId);
        vm.prank(stranger);
        market.flushBurned();
        assertEq(market.BURN_ADDRESS().balance, EXECUTOR_BOND / 2);
        assertEq(market.owed(market.BURN_ADDRESS()), 0);
        _assertSolvent();
    }

    function _expectBadSpec(JobMarket.JobSpec memory spec, string memory field) private {
        vm.prank(submitter);
        vm.expectRevert(abi.encodeWithSelector(JobMarket.BadSpec.selector, field));
        market.postJob{value: FEE}(spec);
    }

    function _digest(bytes memory data) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes32(0), bytes32(data), uint32(data.length)));
    }
}
