from citebrief.cli import main

main()
