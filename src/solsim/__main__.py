"""``python -m solsim`` runs the command line."""

from solsim.cli import main

main()
