// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Test} from "../utils/Test.sol";
import {DisputeGames} from "../../src/market/DisputeGames.sol";
import {JobMarket} from "../../src/market/JobMarket.sol";
import {SyntheticMachine} from "./SyntheticMachine.sol";

/// Storage-access recording, beyond the cheatcodes contracts/test/utils/Test.sol declares.
interface VmRecording {
    function record() external;
    function accesses(address target) external returns (bytes32[] memory readSlots, bytes32[] memory writeSlots);
}

/// Shared set-up for the market tests: a market over the SyntheticMachine test double,
/// actors, a driver that plays a whole dispute game with configurable strategies, and
/// the solvency invariant (the ETH the market holds equals what it owes).
abstract contract MarketBase is Test {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant CLOCK = 3 days;
    uint256 internal constant BURN_BPS = 5_000;
    uint96 internal constant FEE = 1 ether;
    uint96 internal constant EXECUTOR_BOND = 2 ether;
    uint96 internal constant CHALLENGER_BOND = 1 ether;
    uint32 internal constant CLAIM_WINDOW = 1 days;
    uint32 internal constant EXECUTION_WINDOW = 1 days;
    uint32 internal constant CHALLENGE_PERIOD = 7 days;
    uint64 internal constant HONEST = type(uint64).max;

    JobMarket internal market;
    SyntheticMachine internal machine;
    uint256 internal degree;

    address internal submitter = address(0x5AB);
    address internal executor = address(0xE1);
    address internal executor2 = address(0xE2);
    address internal watcher = address(0xA1);
    address internal watcher2 = address(0xA2);
    address internal stranger = address(0x57);
    address[] internal actors;

    /// The executor's strategy: true hashes below `liesFrom`, made-up ones from there,
    /// and `claimedFinal` at the claimed trace length.
    uint64 internal liesFrom = HONEST;
    uint64 internal claimedLength;
    bytes32 internal claimedFinal;

    enum Play {
        Honest, // picks the first segment whose end differs from the true trace
        Random, // picks segments at random (a lying challenger)
        Stall // never moves
    }

    /// What one played game cost, for the move bound and the gas report.
    struct Tally {
        uint256 defenderMoves;
        uint256 challengerMoves; // the opening `challenge` included
        uint256 maxBisectGas;
        uint256 maxChooseGas;
        uint256 maxBisectTxGas;
        uint256 maxChooseTxGas;
        uint256 stepGas;
        uint256 totalTxGas;
    }

    function setUp() public virtual {
        _deploy(16, 1_000, 600);
        actors = [submitter, executor, executor2, watcher, watcher2, stranger];
        for (uint256 i = 0; i < actors.length; i++) {
            vm.deal(actors[i], 1_000 ether);
        }
        vm.warp(1_800_000_000);
    }

    function _deploy(uint256 k, uint64 maxSteps, uint64 haltAt) internal {
        degree = k;
        machine = new SyntheticMachine(keccak256("synthetic program"), maxSteps, haltAt, 7);
        market = new JobMarket(machine, k, CLOCK, BURN_BPS);
    }

    // ---- job helpers ----

    function _spec() internal view returns (JobMarket.JobSpec memory) {
        return JobMarket.JobSpec({
            initialStateHash: machine.stateHash(0),
            moduleHash: keccak256("module"),
            inputHash: keccak256("input"),
            maxSteps: machine.maxSteps(),
            executorBond: EXECUTOR_BOND,
            challengerBond: CHALLENGER_BOND,
            claimWindow: CLAIM_WINDOW,
            executionWindow: EXECUTION_WINDOW,
            challengePeriod: CHALLENGE_PERIOD
        });
    }

    function _postJob() internal returns (uint64 jobId) {
        JobMarket.JobSpec memory spec = _spec(); // before the prank: it calls the machine
        vm.prank(submitter);
        jobId = market.postJob{value: FEE}(spec);
    }

    function _claim(uint64 jobId, address who) internal {
        vm.prank(who);
        market.claimJob{value: EXECUTOR_BOND}(jobId);
    }

    /// Claims and posts the true final state at trace index `length`.
    function _postHonest(uint64 jobId, address who, uint64 length) internal {
        _claim(jobId, who);
        _setHonest(length);
        bytes memory header = machine.headerAt(length);
        vm.prank(who);
        market.postResult(jobId, claimedFinal, length, header);
    }

    /// Claims and posts a wrong final state `header` at `length`, lying from `from` on.
    function _postLie(uint64 jobId, address who, uint64 length, uint64 from, bytes memory header) internal {
        _claim(jobId, who);
        liesFrom = from;
        claimedLength = length;
        claimedFinal = keccak256(header);
        vm.prank(who);
        market.postResult(jobId, claimedFinal, length, header);
    }

    function _setHonest(uint64 length) internal {
        liesFrom = HONEST;
        claimedLength = length;
        claimedFinal = machine.stateHash(length);
    }

    /// A halted header that is not the machine's: exits with code 99.
    function _wrongFinal(uint64 steps) internal view returns (bytes memory) {
        return machine.header(steps, 1, 99, "hello");
    }

    function _challenge(uint64 jobId, address who) internal returns (uint256 gameId) {
        vm.prank(who);
        gameId = market.challenge{value: CHALLENGER_BOND}(jobId);
    }

    // ---- the executor's trace ----

    function _defenderHash(uint64 i) internal view returns (bytes32) {
        if (i == claimedLength) return claimedFinal;
        if (i >= liesFrom) return keccak256(abi.encodePacked("lie", i));
        return machine.stateHash(i);
    }

    // ---- playing a game ----

    /// Where a game stands, as a client tracks it from the events.
    struct Cursor {
        uint256 gameId;
        address defender;
        address challenger;
        uint64 start;
        uint64 length;
        bytes32 startHash;
        bytes32 endHash;
        bytes32[] list; // the defender's last dissection
    }

    /// Plays game `gameId` to its end: the executor defends with `_defenderHash` (or
    /// stalls), the challenger plays `play`. Timeouts are triggered by a stranger.
    function _playGame(uint256 gameId, address challenger, Play play, bool executorStalls, uint256 seed)
        internal
        returns (Tally memory)
    {
        uint256[] memory ids = new uint256[](1);
        address[] memory challengers = new address[](1);
        (ids[0], challengers[0]) = (gameId, challenger);
        return _playGames(ids, challengers, play, executorStalls, seed)[0];
    }

    /// Plays games in parallel, one move per game in turn, as their parties would; when
    /// every open game waits for a party that will not move, the clocks run out.
    function _playGames(
        uint256[] memory ids,
        address[] memory challengers,
        Play play,
        bool executorStalls,
        uint256 seed
    ) internal returns (Tally[] memory tallies) {
        tallies = new Tally[](ids.length);
        Cursor[] memory cursors = new Cursor[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) {
            Cursor memory at = cursors[i];
            at.gameId = ids[i];
            at.defender = market.getJob(market.getGame(ids[i]).jobId).executor;
            at.challenger = challengers[i];
            at.length = claimedLength;
            at.startHash = machine.stateHash(0);
            at.endHash = claimedFinal;
            tallies[i].challengerMoves = 1;
        }
        for (uint256 round = 0;; round++) {
            require(round < 1_000, "games do not end");
            bool anyOpen;
            bool anyMoved;
            for (uint256 i = 0; i < ids.length; i++) {
                DisputeGames.Game memory game = market.getGame(ids[i]);
                if (!_live(game)) continue;
                anyOpen = true;
                bool moved = _advance(cursors[i], tallies[i], game.turn, play, executorStalls, seed ^ round);
                anyMoved = anyMoved || moved;
            }
            if (!anyOpen) break;
            if (!anyMoved) {
                vm.warp(block.timestamp + CLOCK + 1);
                for (uint256 i = 0; i < ids.length; i++) {
                    if (!_live(market.getGame(ids[i]))) continue;
                    vm.prank(stranger);
                    market.timeout(ids[i]);
                }
            }
        }
    }

    /// Open and disputing the current result (not made stale by another game's win).
    function _live(DisputeGames.Game memory game) internal view returns (bool) {
        if (game.outcome != DisputeGames.Outcome.Open) return false;
        JobMarket.Job memory job = market.getJob(game.jobId);
        return job.attempt == game.attempt && job.state == JobMarket.JobState.Posted;
    }

    /// Makes the move of the party to move in one game, if it moves; false when it waits.
    function _advance(
        Cursor memory at,
        Tally memory tally,
        DisputeGames.Turn turn,
        Play play,
        bool executorStalls,
        uint256 seed
    ) internal returns (bool) {
        if (turn == DisputeGames.Turn.Defender) {
            if (executorStalls) return false;
            _bisectMove(at, tally);
            return true;
        }
        if (play == Play.Stall) return false;
        if (turn == DisputeGames.Turn.Challenger) {
            uint256 index = play == Play.Honest
                ? _firstWrong(at.start, at.length, at.list)
                : uint256(keccak256(abi.encode(seed, at.start, at.length))) % (at.list.length - 1);
            _chooseMove(at, tally, index);
            return true;
        }
        return _stepMove(at, tally);
    }

    function _bisectMove(Cursor memory at, Tally memory tally) internal {
        at.list = _dissect(at.start, at.length, at.startHash, at.endHash);
        bytes memory data =
            abi.encodeCall(market.bisect, (at.gameId, at.start, at.length, at.startHash, at.endHash, _middle(at.list)));
        uint256 used = _call(at.defender, data);
        tally.defenderMoves += 1;
        tally.maxBisectGas = _max(tally.maxBisectGas, used);
        tally.maxBisectTxGas = _max(tally.maxBisectTxGas, _txGas(data, used));
        tally.totalTxGas += _txGas(data, used);
    }

    function _chooseMove(Cursor memory at, Tally memory tally, uint256 index) internal {
        bytes memory data = abi.encodeCall(market.choose, (at.gameId, at.start, at.length, at.list, index));
        uint256 used = _call(at.challenger, data);
        tally.challengerMoves += 1;
        tally.maxChooseGas = _max(tally.maxChooseGas, used);
        tally.maxChooseTxGas = _max(tally.maxChooseTxGas, _txGas(data, used));
        tally.totalTxGas += _txGas(data, used);
        uint256 segments = at.list.length - 1;
        uint64 from = _boundary(at.start, at.length, segments, index);
        uint64 to = _boundary(at.start, at.length, segments, index + 1);
        (at.start, at.length) = (from, to - from);
        (at.startHash, at.endHash) = (at.list[index], at.list[index + 1]);
    }

    /// The challenger proves the last step if it can win; otherwise (the defender's step is
    /// right, or the challenger agreed to a wrong start) no proof works and it waits.
    function _stepMove(Cursor memory at, Tally memory tally) internal returns (bool) {
        bytes memory proof = machine.headerAt(at.start);
        bytes memory data = abi.encodeCall(market.proveStep, (at.gameId, at.start, at.startHash, at.endHash, proof));
        if (machine.stateHash(at.start + 1) == at.endHash || machine.stateHash(at.start) != at.startHash) {
            vm.prank(at.challenger);
            (bool ok,) = address(market).call(data);
            assertFalse(ok, "a true step cannot be refuted");
            return false;
        }
        uint256 used = _call(at.challenger, data);
        tally.challengerMoves += 1;
        tally.stepGas = used;
        tally.totalTxGas += _txGas(data, used);
        return true;
    }

    function _dissect(uint64 start, uint64 length, bytes32 startHash, bytes32 endHash)
        internal
        view
        returns (bytes32[] memory list)
    {
        uint256 segments = length < degree ? length : degree;
        list = new bytes32[](segments + 1);
        list[0] = startHash;
        list[segments] = endHash;
        for (uint256 j = 1; j < segments; j++) {
            list[j] = _defenderHash(_boundary(start, length, segments, j));
        }
    }

    function _middle(bytes32[] memory list) internal pure returns (bytes32[] memory middle) {
        middle = new bytes32[](list.length - 2);
        for (uint256 j = 0; j < middle.length; j++) {
            middle[j] = list[j + 1];
        }
    }

    function _firstWrong(uint64 start, uint64 length, bytes32[] memory list) internal view returns (uint256) {
        uint256 segments = list.length - 1;
        for (uint256 j = 0; j < segments; j++) {
            if (list[j + 1] != machine.stateHash(_boundary(start, length, segments, j + 1))) return j;
        }
        return segments - 1; // nothing wrong: an honest challenger would not be here
    }

    function _boundary(uint64 start, uint64 length, uint256 segments, uint256 j) internal pure returns (uint64) {
        return start + uint64((uint256(length) * j) / segments);
    }

    function _timeOut(uint256 gameId) internal {
        vm.warp(block.timestamp + market.timeLeft(gameId) + 1);
        vm.prank(stranger);
        market.timeout(gameId);
    }

    /// Calls the market as `who`, reverting on failure; returns the execution gas the
    /// call would use as a transaction of its own. A test runs in one transaction, so
    /// the market's slots are already warm and written: the cost of every distinct slot
    /// the call touches is raised to a cold access (+2,000 over the warm 100) and of every
    /// slot it writes to a first write of a nonzero slot (+2,800 over the dirty 100).
    /// `forge test --isolate --gas-report` gives the same figures (docs/dispute-protocol.md).
    function _call(address who, bytes memory data) internal returns (uint256 used) {
        VmRecording recorder = VmRecording(address(vm));
        recorder.record();
        vm.prank(who);
        uint256 before = gasleft();
        (bool ok, bytes memory returned) = address(market).call(data);
        used = before - gasleft();
        if (!ok) {
            assembly {
                revert(add(returned, 32), mload(returned))
            }
        }
        (bytes32[] memory reads, bytes32[] memory writes) = recorder.accesses(address(market));
        uint256 written = _distinct(writes, new bytes32[](0));
        used += 2_000 * (_distinct(reads, writes) + written) + 2_800 * written;
    }

    /// The number of distinct slots in `slots` that are not in `except`.
    function _distinct(bytes32[] memory slots, bytes32[] memory except) internal pure returns (uint256 count) {
        for (uint256 i = 0; i < slots.length; i++) {
            bool seen;
            for (uint256 j = 0; j < i && !seen; j++) {
                seen = slots[j] == slots[i];
            }
            for (uint256 j = 0; j < except.length && !seen; j++) {
                seen = except[j] == slots[i];
            }
            if (!seen) count += 1;
        }
    }

    /// A transaction's gas: intrinsic 21,000 + calldata (4 per zero byte, 16 per other) + execution.
    function _txGas(bytes memory data, uint256 execution) internal pure returns (uint256 gas) {
        gas = 21_000 + execution;
        for (uint256 i = 0; i < data.length; i++) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    /// ceil(log_k n), the number of dissection rounds.
    function _rounds(uint256 n, uint256 k) internal pure returns (uint256 r) {
        uint256 span = 1;
        while (span < n) {
            span *= k;
            r += 1;
        }
    }

    // ---- invariants ----

    /// The ETH the market holds equals what it owes: escrowed fees, held bonds, bonds of
    /// open games and withdrawable balances (the burn's included).
    function _assertSolvent() internal view {
        uint256 liabilities;
        for (uint64 jobId = 1; jobId <= market.jobCount(); jobId++) {
            JobMarket.Job memory job = market.getJob(jobId);
            if (
                job.state == JobMarket.JobState.Open || job.state == JobMarket.JobState.Claimed
                    || job.state == JobMarket.JobState.Posted
            ) liabilities += job.fee;
            if (job.state == JobMarket.JobState.Claimed || job.state == JobMarket.JobState.Posted) {
                liabilities += job.spec.executorBond;
            }
        }
        for (uint256 gameId = 1; gameId <= market.gameCount(); gameId++) {
            DisputeGames.Game memory game = market.getGame(gameId);
            if (game.outcome == DisputeGames.Outcome.Open) liabilities += game.bond;
        }
        for (uint256 i = 0; i < actors.length; i++) {
            liabilities += market.owed(actors[i]);
        }
        liabilities += market.owed(market.BURN_ADDRESS());
        assertEq(address(market).balance, liabilities, "market balance == liabilities");
    }

    /// Everyone withdraws; a market whose jobs all ended then holds nothing.
    function _drain() internal {
        for (uint256 i = 0; i < actors.length; i++) {
            if (market.owed(actors[i]) == 0) continue;
            vm.prank(actors[i]);
            market.withdraw(payable(actors[i]));
        }
        if (market.owed(market.BURN_ADDRESS()) > 0) market.flushBurned();
        _assertSolvent();
    }
}
