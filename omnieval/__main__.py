from omnieval.cli import main

main()
