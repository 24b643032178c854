// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DisputeGames} from "./DisputeGames.sol";
import {IStepVerifier} from "./IStepVerifier.sol";
import {Payouts} from "./Payouts.sol";
import {StateHeader} from "./StateHeader.sol";

/// The job market (docs/dispute-protocol.md). A submitter escrows a fee for a job
/// (initial state hash, module and input hashes, limits); one executor claims it with a
/// bond and posts a final-state claim; during the challenge period anyone may open a
/// dispute game against it with a bond. The result finalizes when the period is over and
/// the executor has won every game; its first lost game rejects it and reopens the job.
///
/// Job lifecycle: Open -claimJob-> Claimed -postResult-> Posted -finalize-> Finalized;
/// Open -refund (claim deadline passed)-> Refunded; Claimed -forfeitClaim (result
/// deadline passed)-> Open; Posted -a game lost-> Open.
contract JobMarket is DisputeGames {
    /// k chosen by measurement (docs/dispute-protocol.md#parameters).
    uint256 public constant DEFAULT_DEGREE = 16;

    enum JobState {
        None,
        Open, // claimable until `deadline`
        Claimed, // the executor must post a result by `deadline`
        Posted, // challengeable until `deadline`
        Finalized,
        Refunded
    }

    /// What a submitter asks for.
    struct JobSpec {
        /// `verity state-hash`: commits to module, input, args and limits.
        bytes32 initialStateHash;
        bytes32 moduleHash;
        bytes32 inputHash;
        /// Must equal the program header's maxSteps (it bounds the trace: N <= maxSteps + 1).
        uint64 maxSteps;
        uint96 executorBond;
        uint96 challengerBond;
        uint32 claimWindow;
        uint32 executionWindow;
        uint32 challengePeriod;
    }

    struct Job {
        address submitter;
        uint96 fee;
        address executor;
        /// Incremented each time a claim is forfeited or a result rejected.
        uint32 attempt;
        JobState state;
        /// Claim, result or challenge deadline, depending on `state`.
        uint40 deadline;
        /// Games still open against the current result.
        uint32 openGames;
        JobSpec spec;
    }

    /// A final-state claim, decoded from the header.
    struct Result {
        bytes32 finalStateHash;
        bytes32 outputDigest;
        uint64 traceLength;
        uint64 steps;
        int32 exitCode;
        uint8 status;
        uint8 trapCode;
    }

    uint64 public jobCount;
    mapping(uint64 => Job) private _jobs;
    mapping(uint64 => Result) private _results;

    event JobPosted(uint64 indexed jobId, address indexed submitter, uint256 fee, JobSpec spec, uint40 claimDeadline);
    event JobClaimed(uint64 indexed jobId, address indexed executor, uint32 attempt, uint40 resultDeadline);
    event ResultPosted(uint64 indexed jobId, uint32 attempt, Result result, uint40 challengeDeadline);
    event JobReopened(uint64 indexed jobId, uint32 attempt, uint40 claimDeadline);
    event JobFinalized(uint64 indexed jobId, address indexed executor, bytes32 finalStateHash);
    event JobRefunded(uint64 indexed jobId);
    event OutputPublished(uint64 indexed jobId, bytes output);
    event BlobPublished(bytes32 indexed hash, bytes blob);

    error BadSpec(string field);
    error FeeTooLarge(uint256 fee);
    error NoSuchJob(uint64 jobId);
    error WrongState(uint64 jobId, JobState state);
    error WrongBond(uint256 sent, uint256 required);
    error TooLate(uint64 jobId, uint40 deadline);
    error TooEarly(uint64 jobId, uint40 deadline);
    error NotExecutor(uint64 jobId, address executor);
    error HeaderMismatch(bytes32 finalStateHash, bytes32 headerHash);
    error NotHalted(uint8 status);
    error BadTraceLength(uint64 traceLength, uint64 steps, uint64 maxSteps);
    error GamesOpen(uint64 jobId, uint32 openGames);
    error OutputMismatch(bytes32 digest, bytes32 expected);

    constructor(IStepVerifier verifier_, uint256 degree_, uint256 clockBudget_, uint256 burnBps_)
        DisputeGames(verifier_, degree_, clockBudget_)
        Payouts(burnBps_)
    {}

    // ---- submitter ----

    /// Posts a job; `msg.value` is the fee, escrowed until finalization or refund.
    function postJob(JobSpec calldata spec) external payable returns (uint64 jobId) {
        if (spec.initialStateHash == bytes32(0)) revert BadSpec("initialStateHash");
        if (spec.maxSteps == 0 || spec.maxSteps == type(uint64).max) revert BadSpec("maxSteps");
        // Zero bonds would make claiming and challenging free: griefing at no cost.
        if (spec.executorBond == 0) revert BadSpec("executorBond");
        if (spec.challengerBond == 0) revert BadSpec("challengerBond");
        if (spec.claimWindow == 0) revert BadSpec("claimWindow");
        if (spec.executionWindow == 0) revert BadSpec("executionWindow");
        if (spec.challengePeriod == 0) revert BadSpec("challengePeriod");
        if (msg.value > type(uint96).max) revert FeeTooLarge(msg.value);

        jobId = ++jobCount;
        Job storage job = _jobs[jobId];
        job.submitter = msg.sender;
        job.fee = uint96(msg.value);
        job.state = JobState.Open;
        job.deadline = _after(spec.claimWindow);
        job.spec = spec;
        emit JobPosted(jobId, msg.sender, msg.value, spec, job.deadline);
    }

    /// Anyone: returns the fee of a job nobody claimed in time to its submitter.
    function refund(uint64 jobId) external {
        Job storage job = _inState(jobId, JobState.Open);
        if (block.timestamp <= job.deadline) revert TooEarly(jobId, job.deadline);
        job.state = JobState.Refunded;
        emit JobRefunded(jobId);
        _credit(job.submitter, job.fee);
    }

    // ---- executor ----

    /// Reserves the job for the caller, who escrows the executor bond and must post a
    /// result within the execution window. Claiming first (rather than posting a result
    /// directly) is what stops a copier from front-running someone else's result.
    function claimJob(uint64 jobId) external payable {
        Job storage job = _inState(jobId, JobState.Open);
        if (block.timestamp > job.deadline) revert TooLate(jobId, job.deadline);
        if (msg.value != job.spec.executorBond) revert WrongBond(msg.value, job.spec.executorBond);
        job.executor = msg.sender;
        job.state = JobState.Claimed;
        job.deadline = _after(job.spec.executionWindow);
        emit JobClaimed(jobId, msg.sender, job.attempt, job.deadline);
    }

    /// Posts the final-state claim: the state hash at trace index `traceLength` and its
    /// header preimage, which must be halted (docs/machine-state.md#final-state-claim).
    function postResult(uint64 jobId, bytes32 finalStateHash, uint64 traceLength, bytes calldata header) external {
        Job storage job = _inState(jobId, JobState.Claimed);
        if (msg.sender != job.executor) revert NotExecutor(jobId, job.executor);
        if (block.timestamp > job.deadline) revert TooLate(jobId, job.deadline);
        bytes32 headerHash = keccak256(header);
        if (headerHash != finalStateHash) revert HeaderMismatch(finalStateHash, headerHash);
        StateHeader.Summary memory summary = StateHeader.decode(header);
        if (summary.status == StateHeader.RUNNING || summary.status > StateHeader.OUT_OF_STEPS) {
            revert NotHalted(summary.status);
        }
        // A true claim satisfies steps <= traceLength <= maxSteps + 1 and steps <= maxSteps
        // (docs/machine-state.md#transitions); index 0 is the initial, running state.
        uint64 maxSteps = job.spec.maxSteps;
        if (traceLength == 0 || traceLength > maxSteps + 1 || summary.steps > traceLength || summary.steps > maxSteps) {
            revert BadTraceLength(traceLength, summary.steps, maxSteps);
        }
        Result memory result = Result({
            finalStateHash: finalStateHash,
            outputDigest: summary.outputDigest,
            traceLength: traceLength,
            steps: summary.steps,
            exitCode: summary.exitCode,
            status: summary.status,
            trapCode: summary.trapCode
        });
        _results[jobId] = result;
        job.state = JobState.Posted;
        job.deadline = _after(job.spec.challengePeriod);
        emit ResultPosted(jobId, job.attempt, result, job.deadline);
    }

    /// Anyone: a claimed job whose result did not come in time reopens; the executor's
    /// bond goes to the submitter (less the burn).
    function forfeitClaim(uint64 jobId) external {
        Job storage job = _inState(jobId, JobState.Claimed);
        if (block.timestamp <= job.deadline) revert TooEarly(jobId, job.deadline);
        _reopen(jobId, job);
        _forfeit(job.spec.executorBond, job.submitter);
    }

    /// Anyone: after the challenge period, with every game won by the executor, the
    /// result stands and the executor is owed fee and bond.
    function finalize(uint64 jobId) external {
        Job storage job = _inState(jobId, JobState.Posted);
        if (block.timestamp <= job.deadline) revert TooEarly(jobId, job.deadline);
        if (job.openGames != 0) revert GamesOpen(jobId, job.openGames);
        job.state = JobState.Finalized;
        emit JobFinalized(jobId, job.executor, _results[jobId].finalStateHash);
        _credit(job.executor, uint256(job.fee) + job.spec.executorBond);
    }

    // ---- watchers ----

    /// Opens a dispute game against the posted result; `msg.value` is the challenger bond.
    function challenge(uint64 jobId) external payable returns (uint256 gameId) {
        Job storage job = _inState(jobId, JobState.Posted);
        if (block.timestamp > job.deadline) revert TooLate(jobId, job.deadline);
        if (msg.value != job.spec.challengerBond) revert WrongBond(msg.value, job.spec.challengerBond);
        job.openGames += 1;
        Result storage result = _results[jobId];
        gameId = _startGame(
            jobId,
            job.attempt,
            msg.sender,
            job.spec.challengerBond,
            result.traceLength,
            job.spec.initialStateHash,
            result.finalStateHash
        );
    }

    // ---- data availability ----

    /// Publishes a posted result's stdout in an event, checked against its output digest.
    function publishOutput(uint64 jobId, bytes calldata output) external {
        Job storage job = _jobs[jobId];
        if (job.state != JobState.Posted && job.state != JobState.Finalized) revert WrongState(jobId, job.state);
        bytes32 digest = StateHeader.streamDigest(output);
        bytes32 expected = _results[jobId].outputDigest;
        if (digest != expected) revert OutputMismatch(digest, expected);
        emit OutputPublished(jobId, output);
    }

    /// Publishes any small blob (a module, an input) under its keccak-256.
    function publishBlob(bytes calldata blob) external {
        emit BlobPublished(keccak256(blob), blob);
    }

    // ---- views ----

    function getJob(uint64 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    function getResult(uint64 jobId) external view returns (Result memory) {
        return _results[jobId];
    }

    // ---- game hooks ----

    function _isCurrent(uint64 jobId, uint32 attempt) internal view override returns (bool) {
        Job storage job = _jobs[jobId];
        return job.attempt == attempt && job.state == JobState.Posted;
    }

    function _defenderOf(uint64 jobId) internal view override returns (address) {
        return _jobs[jobId].executor;
    }

    function _settle(Game storage game, bool challengerWon) internal override {
        uint64 jobId = game.jobId;
        Job storage job = _jobs[jobId];
        if (challengerWon) {
            // The first lost game rejects the result; the other games become stale.
            address challenger = game.challenger;
            uint256 executorBond = job.spec.executorBond;
            _reopen(jobId, job);
            _credit(challenger, game.bond);
            _forfeit(executorBond, challenger);
        } else {
            job.openGames -= 1;
            _forfeit(game.bond, job.executor);
        }
    }

    // ---- internals ----

    function _inState(uint64 jobId, JobState state) private view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.state == JobState.None) revert NoSuchJob(jobId);
        if (job.state != state) revert WrongState(jobId, job.state);
    }

    function _reopen(uint64 jobId, Job storage job) private {
        delete _results[jobId];
        job.executor = address(0);
        job.attempt += 1;
        job.openGames = 0;
        job.state = JobState.Open;
        job.deadline = _after(job.spec.claimWindow);
        emit JobReopened(jobId, job.attempt, job.deadline);
    }

    function _after(uint32 window) private view returns (uint40) {
        return uint40(block.timestamp + window);
    }
}
