// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// Pull payments: settlement only credits `owed`; money leaves in `withdraw` (to the
/// account's chosen address) or `flushBurned` (to the burn address), nowhere else. The
/// burned share of a forfeited bond is what makes losing to yourself cost money.
abstract contract Payouts {
    /// Where burned ETH goes: an address nobody holds a key for.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    uint256 public constant BPS = 10_000;

    /// Share of every forfeited bond that is burned, in basis points.
    uint256 public immutable burnBps;

    /// Withdrawable balances (the burn address's share included, until flushed).
    mapping(address => uint256) public owed;

    bool private transient _locked;

    event Credited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    error BurnTooHigh(uint256 burnBps);
    error NothingOwed(address account);
    error TransferFailed(address to, uint256 amount);
    error Reentered();

    modifier nonReentrant() {
        if (_locked) revert Reentered();
        _locked = true;
        _;
        _locked = false;
    }

    constructor(uint256 burnBps_) {
        if (burnBps_ > BPS) revert BurnTooHigh(burnBps_);
        burnBps = burnBps_;
    }

    /// Pays out everything owed to the caller, to `to`.
    function withdraw(address payable to) external nonReentrant {
        _payOut(msg.sender, to);
    }

    /// Sends the burned shares to BURN_ADDRESS; anyone may call it.
    function flushBurned() external nonReentrant {
        _payOut(BURN_ADDRESS, payable(BURN_ADDRESS));
    }

    function _payOut(address account, address payable to) private {
        uint256 amount = owed[account];
        if (amount == 0) revert NothingOwed(account);
        owed[account] = 0;
        emit Withdrawn(account, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    function _credit(address account, uint256 amount) internal {
        if (amount == 0) return;
        owed[account] += amount;
        emit Credited(account, amount);
    }

    /// Gives a forfeited `bond` to `winner`, less the burned share.
    function _forfeit(uint256 bond, address winner) internal {
        uint256 burned = (bond * burnBps) / BPS;
        _credit(BURN_ADDRESS, burned);
        _credit(winner, bond - burned);
    }
}
