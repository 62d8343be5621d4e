from corpgraph.cli import main

main()
