"""Rulebook, ledger, balances and the points supermarket: filled by the points issue."""
