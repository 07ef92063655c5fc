"""The vectorised engine: ledger, phases, instruments and metrics, in numpy and scipy.

Nothing in this package imports Mesa or reads files; :mod:`solsim.model` puts a
Mesa face on :class:`~solsim.engine.economy.Economy`.
"""
