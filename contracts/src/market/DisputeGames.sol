// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Dissection} from "./Dissection.sol";
import {IStepVerifier} from "./IStepVerifier.sol";
import {Payouts} from "./Payouts.sol";

/// The k-way dissection game between a result's executor (the defender) and one
/// challenger (docs/dispute-protocol.md). The disputed range starts as (0, N): both
/// agree on the initial state hash, the challenger disputes the claimed final state at
/// trace index N. The defender posts the k-1 intermediate hashes of the range, the
/// challenger picks a segment whose start it agrees with and whose end it does not, and
/// so on until one transition remains; the challenger then wins by showing, with
/// `verifyStep`, that the defender's post-state hash is wrong, or runs out of time.
/// Each party has a chess clock; when the party to move has used it up, anyone ends the
/// game in the other's favour.
abstract contract DisputeGames is Payouts {
    /// Who moves next, and how.
    enum Turn {
        Defender, // bisect the range
        Challenger, // choose a segment of the defender's list
        Step // the range is one transition: the challenger proves it
    }

    enum Outcome {
        Open,
        ExecutorWon,
        ChallengerWon,
        Cancelled // the result was rejected by another game: the bond goes back
    }

    struct Game {
        /// Turn Defender or Step: Dissection.rangeRoot; turn Challenger: Dissection.listRoot.
        bytes32 root;
        uint64 jobId;
        /// The job's attempt (one per posted result) the game disputes.
        uint32 attempt;
        uint40 lastMoveAt;
        /// Seconds left on each clock, as of `lastMoveAt`.
        uint40 defenderClock;
        uint40 challengerClock;
        Turn turn;
        Outcome outcome;
        address challenger;
        uint96 bond;
    }

    uint256 public constant MIN_DEGREE = 2;
    uint256 public constant MAX_DEGREE = 64;

    /// k: segments per dissection.
    uint256 public immutable degree;
    /// Seconds each party may spend on its moves over a whole game.
    uint256 public immutable clockBudget;
    IStepVerifier public immutable verifier;

    uint256 public gameCount;
    mapping(uint256 => Game) private _games;

    event GameStarted(
        uint256 indexed gameId,
        uint64 indexed jobId,
        address indexed challenger,
        uint32 attempt,
        uint64 length,
        bytes32 startHash,
        bytes32 endHash
    );
    event Dissected(
        uint256 indexed gameId, uint64 start, uint64 length, bytes32 startHash, bytes32[] middle, bytes32 endHash
    );
    event Chosen(
        uint256 indexed gameId, uint256 index, uint64 start, uint64 length, bytes32 startHash, bytes32 endHash
    );
    event GameEnded(uint256 indexed gameId, uint64 indexed jobId, Outcome outcome);

    error BadDegree(uint256 degree);
    error BadClock(uint256 clockBudget);
    error NoVerifier();
    error NoSuchGame(uint256 gameId);
    error GameOver(uint256 gameId, Outcome outcome);
    error StaleGame(uint256 gameId);
    error NotStale(uint256 gameId);
    error WrongTurn(uint256 gameId, Turn turn);
    error NotYourMove(uint256 gameId, address expected);
    error ClockExpired(uint256 gameId, uint256 elapsed, uint256 left);
    error ClockRunning(uint256 gameId, uint256 secondsLeft);
    error WrongRange(uint256 gameId);
    error WrongSegmentCount(uint256 given, uint256 expected);
    error BadSegmentIndex(uint256 index, uint256 segments);
    error StepConfirmsClaim(uint256 gameId, bytes32 postStateHash);

    constructor(IStepVerifier verifier_, uint256 degree_, uint256 clockBudget_) {
        if (address(verifier_) == address(0)) revert NoVerifier();
        if (degree_ < MIN_DEGREE || degree_ > MAX_DEGREE) revert BadDegree(degree_);
        if (clockBudget_ == 0 || clockBudget_ > type(uint40).max) revert BadClock(clockBudget_);
        verifier = verifier_;
        degree = degree_;
        clockBudget = clockBudget_;
    }

    // ---- hooks into the market ----

    /// Whether `attempt` is still the job's current result.
    function _isCurrent(uint64 jobId, uint32 attempt) internal view virtual returns (bool);

    /// The executor who posted the job's current result.
    function _defenderOf(uint64 jobId) internal view virtual returns (address);

    /// Settles the bonds of a game that just ended with a winner.
    function _settle(Game storage game, bool challengerWon) internal virtual;

    // ---- moves ----

    /// Defender: posts the `min(k, length) - 1` intermediate hashes of the disputed range.
    function bisect(
        uint256 gameId,
        uint64 start,
        uint64 length,
        bytes32 startHash,
        bytes32 endHash,
        bytes32[] calldata middle
    ) external {
        Game storage game = _move(gameId, Turn.Defender);
        if (game.root != Dissection.rangeRoot(start, length, startHash, endHash)) revert WrongRange(gameId);
        uint256 segments = Dissection.segmentCount(length, degree);
        if (middle.length != segments - 1) revert WrongSegmentCount(middle.length, segments - 1);
        game.root = Dissection.listRoot(start, length, startHash, middle, endHash);
        game.turn = Turn.Challenger;
        emit Dissected(gameId, start, length, startHash, middle, endHash);
    }

    /// Challenger: picks segment `index` of the defender's list `hashes` (both ends included).
    function choose(uint256 gameId, uint64 start, uint64 length, bytes32[] calldata hashes, uint256 index) external {
        Game storage game = _move(gameId, Turn.Challenger);
        uint256 segments = Dissection.segmentCount(length, degree);
        if (hashes.length != segments + 1) revert WrongSegmentCount(hashes.length, segments + 1);
        if (game.root != Dissection.listRoot(start, length, hashes)) revert WrongRange(gameId);
        if (index >= segments) revert BadSegmentIndex(index, segments);
        uint64 from = Dissection.boundary(start, length, segments, index);
        uint64 to = Dissection.boundary(start, length, segments, index + 1);
        game.root = Dissection.rangeRoot(from, to - from, hashes[index], hashes[index + 1]);
        game.turn = to - from == 1 ? Turn.Step : Turn.Defender;
        emit Chosen(gameId, index, from, to - from, hashes[index], hashes[index + 1]);
    }

    /// Challenger: wins by proving that the transition from `preHash` (index `start`)
    /// does not lead to the defender's `claimedPostHash`.
    function proveStep(uint256 gameId, uint64 start, bytes32 preHash, bytes32 claimedPostHash, bytes calldata proof)
        external
    {
        Game storage game = _move(gameId, Turn.Step);
        if (game.root != Dissection.rangeRoot(start, 1, preHash, claimedPostHash)) revert WrongRange(gameId);
        bytes32 post = verifier.verifyStep(preHash, proof);
        if (post == claimedPostHash) revert StepConfirmsClaim(gameId, post);
        _end(gameId, game, Outcome.ChallengerWon);
    }

    /// Anyone: ends a game whose party to move has used up its clock; the other party wins.
    function timeout(uint256 gameId) external {
        Game storage game = _open(gameId);
        bool defenderToMove = game.turn == Turn.Defender;
        uint256 left = defenderToMove ? game.defenderClock : game.challengerClock;
        uint256 elapsed = block.timestamp - game.lastMoveAt;
        if (elapsed <= left) revert ClockRunning(gameId, left - elapsed);
        _end(gameId, game, defenderToMove ? Outcome.ChallengerWon : Outcome.ExecutorWon);
    }

    /// Anyone: closes a game whose result another game already rejected; its bond goes back.
    function closeStaleGame(uint256 gameId) external {
        Game storage game = _games[gameId];
        if (game.challenger == address(0)) revert NoSuchGame(gameId);
        if (game.outcome != Outcome.Open) revert GameOver(gameId, game.outcome);
        if (_isCurrent(game.jobId, game.attempt)) revert NotStale(gameId);
        game.outcome = Outcome.Cancelled;
        emit GameEnded(gameId, game.jobId, Outcome.Cancelled);
        _credit(game.challenger, game.bond);
    }

    // ---- views ----

    function getGame(uint256 gameId) external view returns (Game memory) {
        return _games[gameId];
    }

    /// Seconds the party to move has left now (0 once it may be timed out).
    function timeLeft(uint256 gameId) external view returns (uint256) {
        Game storage game = _games[gameId];
        uint256 left = game.turn == Turn.Defender ? game.defenderClock : game.challengerClock;
        uint256 elapsed = block.timestamp - game.lastMoveAt;
        return elapsed >= left ? 0 : left - elapsed;
    }

    // ---- internals ----

    function _startGame(
        uint64 jobId,
        uint32 attempt,
        address challenger,
        uint96 bond,
        uint64 length,
        bytes32 startHash,
        bytes32 endHash
    ) internal returns (uint256 gameId) {
        gameId = ++gameCount;
        // Timestamps fit 40 bits for 30,000 years; the constructor bounds clockBudget.
        // forge-lint: disable-next-item(unsafe-typecast)
        _games[gameId] = Game({
            root: Dissection.rangeRoot(0, length, startHash, endHash),
            jobId: jobId,
            attempt: attempt,
            lastMoveAt: uint40(block.timestamp),
            defenderClock: uint40(clockBudget),
            challengerClock: uint40(clockBudget),
            turn: length == 1 ? Turn.Step : Turn.Defender,
            outcome: Outcome.Open,
            challenger: challenger,
            bond: bond
        });
        emit GameStarted(gameId, jobId, challenger, attempt, length, startHash, endHash);
    }

    /// A game that is open and still disputes the current result.
    function _open(uint256 gameId) private view returns (Game storage game) {
        game = _games[gameId];
        if (game.challenger == address(0)) revert NoSuchGame(gameId);
        if (game.outcome != Outcome.Open) revert GameOver(gameId, game.outcome);
        if (!_isCurrent(game.jobId, game.attempt)) revert StaleGame(gameId);
    }

    /// Checks that the caller may make a move of kind `turn` now and charges its clock.
    function _move(uint256 gameId, Turn turn) private returns (Game storage game) {
        game = _open(gameId);
        if (game.turn != turn) revert WrongTurn(gameId, game.turn);
        address mover = turn == Turn.Defender ? _defenderOf(game.jobId) : game.challenger;
        if (msg.sender != mover) revert NotYourMove(gameId, mover);
        uint256 elapsed = block.timestamp - game.lastMoveAt;
        uint256 left = turn == Turn.Defender ? game.defenderClock : game.challengerClock;
        if (elapsed > left) revert ClockExpired(gameId, elapsed, left);
        // left - elapsed <= left, a uint40; timestamps fit 40 bits for 30,000 years.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint40 remaining = uint40(left - elapsed);
        if (turn == Turn.Defender) game.defenderClock = remaining;
        else game.challengerClock = remaining;
        // forge-lint: disable-next-line(unsafe-typecast)
        game.lastMoveAt = uint40(block.timestamp);
    }

    function _end(uint256 gameId, Game storage game, Outcome outcome) private {
        game.outcome = outcome;
        emit GameEnded(gameId, game.jobId, outcome);
        _settle(game, outcome == Outcome.ChallengerWon);
    }
}
