from relata.cli import main

main()
